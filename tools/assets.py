"Prepare the offline assets in the qfae cache: the converted DINOv2 ViT-S/14 and both levels of the real-MRI benchmark."
import time
from qfae.weights import prepare_offline_weights
from qfae.synthetic import build_benchmark, LEVELS

t = time.time()
print(f"offline weights: {prepare_offline_weights()} ({time.time()-t:.1f} s)")
for level in LEVELS:
    t = time.time()
    print(f"MRI benchmark, level {level}: {build_benchmark(level=level)} ({time.time()-t:.1f} s)")
