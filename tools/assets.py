"Prepare the offline assets in the qfae cache: the converted DINOv2 ViT-S/14 and the real-MRI benchmark."
import time
from qfae.weights import prepare_offline_weights
from qfae.synthetic import build_benchmark

t = time.time()
print(f"offline weights: {prepare_offline_weights()} ({time.time()-t:.1f} s)")
t = time.time()
print(f"MRI benchmark:   {build_benchmark()} ({time.time()-t:.1f} s)")
