cd <a clone of the commit> && source /work/main/.venv/bin/activate
export HF_HUB_OFFLINE=1 PYTHONPATH=<a clone of the commit>
D=/root/.cache/qfae/mri-benchmark/dfd261fa82
rm -rf runs/ddp1 runs/ddp2
s=$(date +%s); qfae train --data $D --preset cpu-small --epochs 2 --out runs/ddp1 --quiet; echo "1 process: $(( $(date +%s) - s )) s"
s=$(date +%s); OMP_NUM_THREADS=1 torchrun --standalone --nproc_per_node 2 --no-python qfae train --data $D --preset cpu-small --epochs 2 --out runs/ddp2 --quiet; echo "2 processes (gloo): $(( $(date +%s) - s )) s"
