/**
 * The programs the acceptance checks run. Each prints one PASS or FAIL line with the measured
 * value and its threshold, and exits non-zero on FAIL, so the Job status says the verdict and
 * its log says why. Thresholds and expectations arrive as environment variables.
 */

/**
 * The node as delivered: GPU Feature Discovery's count and product labels (what NVML sees), the
 * GPUs the device plugin advertises as healthy (whole-GPU pools), and the fabric ports. It reads
 * its own Node object instead of claiming GPUs, so it never waits for a busy node and never
 * reaches a GPU outside a request. On rail nodes it also checks that containers may lock memory
 * without limit: a non-root process keeps no capability (IPC_LOCK included) across exec, so RDMA
 * memory registration in tenant pods rests on the runtime's locked-memory limit alone. The node
 * must allow pods the CPUs and memory the queues count for it. On a pool
 * whose NVLink domain spans nodes, the node must carry its domain (GPU Feature Discovery's clique
 * label, set once the NVLink fabric is up) and the domain must hold all its trays.
 */
export const INVENTORY_PY = `import json, os, resource, ssl, sys, urllib.parse, urllib.request

node = os.environ["NODE_NAME"]
expected_gpus, expected_nics = int(os.environ["EXPECTED_GPUS"]), int(os.environ["EXPECTED_NICS"])
model, whole = os.environ["GPU_MODEL"], os.environ["WHOLE_GPUS"] == "true"
account = os.environ.get("SERVICE_ACCOUNT_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")
api = os.environ.get("API_SERVER") or "https://%s:%s" % (os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"])
token = open(os.path.join(account, "token")).read().strip()
tls = ssl.create_default_context(cafile=os.path.join(account, "ca.crt")) if api.startswith("https:") else None

def get(path):
    request = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(request, context=tls, timeout=30))

status = get("/api/v1/nodes/" + node)
labels, allocatable = status["metadata"].get("labels", {}), status.get("status", {}).get("allocatable", {})
gpus = int(labels.get("nvidia.com/gpu.count", "0"))
product = labels.get("nvidia.com/gpu.product", "none")
healthy = int(allocatable.get("nvidia.com/gpu", "0"))
ports = os.environ.get("RDMA_DEVICES_DIR", "/sys/class/infiniband")
nics = len(os.listdir(ports)) if os.path.isdir(ports) else 0
print("node=%s gpus=%d/%d product=%s advertised=%s nics=%d/%d" % (node, gpus, expected_gpus, product, healthy if whole else "mig", nics, expected_nics))
problems = []
if gpus != expected_gpus:
    problems.append("%d GPUs found, %d expected" % (gpus, expected_gpus))
if model.replace(" ", "-") not in product:
    problems.append("GPU model %s, expected %s" % (product, model))
if whole and healthy != expected_gpus:
    problems.append("%d GPUs advertised healthy, %d expected" % (healthy, expected_gpus))
if nics < expected_nics:
    problems.append("%d fabric ports, %d expected" % (nics, expected_nics))
# Each rail's HCA as the rail plan names it: present, its port up, at the fabric's rate.
link_gbps = int(os.environ.get("LINK_GBPS") or 0)
for hca in filter(None, os.environ.get("RAIL_HCAS", "").split(",")):
    port = os.path.join(ports, hca, "ports", "1")
    if not os.path.isdir(port):
        problems.append("rail HCA %s missing" % hca)
        continue
    state = open(os.path.join(port, "state")).read().strip()
    print("rail %s: %s" % (hca, state))
    if "ACTIVE" not in state:
        problems.append("rail HCA %s is %s, not ACTIVE" % (hca, state))
        continue
    # The rate is only readable on a port with a link (EINVAL without a cable).
    try:
        rate = open(os.path.join(port, "rate")).read().strip()
        if float(rate.split()[0]) < link_gbps:
            problems.append("rail HCA %s runs at %s, %d Gb/s expected" % (hca, rate, link_gbps))
    except (OSError, ValueError) as error:
        problems.append("rail HCA %s has no readable rate (%s)" % (hca, error))
# The queues count MIN_CPUS and MIN_MEMORY_GIB of each node for pods: the kubelet must allow as much.
UNITS = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}

def quantity(text):
    number = text.rstrip("kKMGTPimEe")
    return float(number) * UNITS.get(text[len(number):], 1)

min_cpus, min_memory_gib = float(os.environ.get("MIN_CPUS") or 0), float(os.environ.get("MIN_MEMORY_GIB") or 0)
cpus, memory_gib = quantity(allocatable.get("cpu", "0")), quantity(allocatable.get("memory", "0")) / 2**30
print("allocatable: %g CPUs/%g counted, %.0f GiB/%g counted" % (cpus, min_cpus, memory_gib, min_memory_gib))
if cpus < min_cpus:
    problems.append("%g CPUs allocatable, the queues count %g (threads per core, or the kubelet's reservation)" % (cpus, min_cpus))
if memory_gib < min_memory_gib:
    problems.append("%.0f GiB allocatable, the queues count %g GiB (installed memory, or the kubelet's reservation)" % (memory_gib, min_memory_gib))
# More than is installed: the GPUs' memory is onlined as system memory (NUMA mode on a coherent
# Grace platform), so the kubelet over-reports memory and pods may be given GPU memory as RAM.
max_memory_gib = float(os.environ.get("MAX_MEMORY_GIB") or 0)
if max_memory_gib and memory_gib > max_memory_gib:
    problems.append("%.0f GiB allocatable, more than the %g GiB installed: GPU memory is onlined as system memory (set the driver's NVreg_CoherentGPUMemoryMode=driver, CDMM)" % (memory_gib, max_memory_gib))
# NVLINK_DOMAIN_NODES: the trays of one multi-node NVLink domain, or empty where the domain is the node.
domain_nodes = int(os.environ.get("NVLINK_DOMAIN_NODES") or 0)
if domain_nodes:
    clique = labels.get("nvidia.com/gpu.clique")
    if not clique:
        problems.append("no nvidia.com/gpu.clique label: the node is in no NVLink domain (fabric manager and NVLink switches up?)")
    else:
        selector = urllib.parse.quote("nvidia.com/gpu.clique=" + clique)
        items = get("/api/v1/nodes?labelSelector=" + selector)["items"]
        members = len(items)
        racks = sorted(set(i["metadata"].get("labels", {}).get("ai-factory.eu/rack", "none") for i in items))
        print("nvlink domain %s: %d/%d nodes in rack %s" % (clique, members, domain_nodes, ", ".join(racks)))
        if members != domain_nodes:
            problems.append("NVLink domain %s holds %d nodes, %d expected" % (clique, members, domain_nodes))
        # One domain is one rack: the rack labels (node names) and the NVLink cabling agree.
        if len(racks) > 1:
            problems.append("NVLink domain %s spans racks %s, one expected" % (clique, ", ".join(racks)))
# MIN_MEMLOCK_KIB: "unlimited", a number of KiB, or empty (no requirement off the rails).
needed, memlock = os.environ.get("MIN_MEMLOCK_KIB", ""), resource.getrlimit(resource.RLIMIT_MEMLOCK)[0]
if needed and memlock != resource.RLIM_INFINITY and (needed == "unlimited" or memlock // 1024 < int(needed)):
    problems.append("containers may lock %d KiB, %s expected for RDMA (containerd LimitMEMLOCK=infinity)" % (memlock // 1024, needed))
if problems:
    print("FAIL inventory %s: %s" % (node, "; ".join(problems)))
    sys.exit(1)
print("PASS inventory %s" % node)
`;

/** DCGM diagnostics at the configured level (dcgmi exits non-zero when a test fails). */
export const DCGM_DIAG_SH = `set -eu
nv-hostengine -n --service-account nvidia-dcgm >/dev/null 2>&1 || nv-hostengine -n
sleep 3
if dcgmi diag -r "$DCGM_LEVEL"; then echo "PASS dcgm-diag level $DCGM_LEVEL on $NODE_NAME"; else echo "FAIL dcgm-diag level $DCGM_LEVEL on $NODE_NAME"; exit 1; fi
`;

/** Each GPU of the node: a large BF16 GEMM and a device-to-device copy, against the thresholds. */
export const GPU_PERF_PY = `import os, sys
import torch

min_tflops, min_tbps = float(os.environ["MIN_TFLOPS"]), float(os.environ["MIN_TBPS"])
# 16384^3: large enough that a healthy GPU runs at its sustained rate (8192^3 sits close to the margin).
node, n, iterations, copy_bytes = os.environ["NODE_NAME"], 16384, 20, 4 << 30
failed = False
for gpu in range(torch.cuda.device_count()):
    torch.cuda.set_device(gpu)
    a = torch.randn(n, n, dtype=torch.bfloat16, device="cuda")
    b = torch.randn(n, n, dtype=torch.bfloat16, device="cuda")
    src = torch.empty(copy_bytes, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(5):
        a @ b
    start.record()
    for _ in range(iterations):
        a @ b
    end.record()
    torch.cuda.synchronize()
    tflops = 2 * n ** 3 * iterations / (start.elapsed_time(end) / 1e3) / 1e12
    dst.copy_(src)
    start.record()
    for _ in range(10):
        dst.copy_(src)
    end.record()
    torch.cuda.synchronize()
    tbps = 2 * copy_bytes * 10 / (start.elapsed_time(end) / 1e3) / 1e12
    ok = tflops >= min_tflops and tbps >= min_tbps
    failed = failed or not ok
    print(f"{'PASS' if ok else 'FAIL'} gpu-perf {node} gpu{gpu} bf16={tflops:.0f} TFLOP/s (min {min_tflops}) copy={tbps:.2f} TB/s (min {min_tbps})", flush=True)
sys.exit(1 if failed else 0)
`;

/** All-reduce bus bandwidth across every node of the Job (torchrun, NCCL), as nccl-tests defines it. */
export const ALLREDUCE_PY = `import os, sys, time
import torch
import torch.distributed as dist

dist.init_process_group("nccl")
rank, world = dist.get_rank(), dist.get_world_size()
torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
size = int(os.environ.get("MESSAGE_BYTES", str(1 << 30)))
x = torch.ones(size // 2, dtype=torch.bfloat16, device="cuda")
for _ in range(5):
    dist.all_reduce(x)
torch.cuda.synchronize()
iterations = 20
start = time.perf_counter()
for _ in range(iterations):
    dist.all_reduce(x)
torch.cuda.synchronize()
seconds = (time.perf_counter() - start) / iterations
busbw = size / seconds * 2 * (world - 1) / world / 1e9
minimum = float(os.environ["MIN_BUSBW_GBPS"])
if rank == 0:
    verdict = "PASS" if busbw >= minimum else "FAIL"
    print(f"{verdict} nccl-allreduce ranks={world} bytes={size} busbw={busbw:.1f} GB/s threshold={minimum} GB/s", flush=True)
dist.destroy_process_group()
sys.exit(0 if busbw >= minimum else 1)
`;

/** ib_write_bw between node pairs on every rail: even indices serve, odd indices measure. */
export const RDMA_PAIRS_SH = `set -eu
# Pairs that cross the fabric: every pod publishes its node name, all pods order the pods by
# (block, rack, node) from those names (<prefix>-r<rack>-n<node>) and pair the first half with the
# second, so pairs cross leaf blocks where the pool has several, and racks always. Peers are
# waited for, never slept on: the client retries until its server answers, within a deadline.
# The control connection goes over the pod network; each rail's data over its own HCA (-d). On
# RoCE perftest picks the rail's IPv4 RoCE v2 GID itself when no GID index is given (not -R:
# rdma_cm would follow the route to the pod address, which has no RDMA device).
i=$JOB_COMPLETION_INDEX
n=$PAIR_PODS
deadline=$(( $(date +%s) + \${PEER_TIMEOUT_S:-600} ))
socat TCP-LISTEN:$NAME_PORT,fork,reuseaddr SYSTEM:"echo $NODE_NAME" &
listener=$!
# Keep telling slower peers this node's name for a while after the test, then stop serving.
finish() { sleep "\${NAME_GRACE_S:-30}"; kill $listener 2>/dev/null || true; exit $1; }
nodes=$(mktemp)
j=0
while [ $j -lt $n ]; do
  name=$(socat -T2 - TCP:$JOB_NAME-$j.$SUBDOMAIN:$NAME_PORT 2>/dev/null || true)
  if [ -n "$name" ]; then
    rack=$(echo "$name" | sed -n 's/.*-r0*\\([0-9][0-9]*\\)-n[0-9]*$/\\1/p')
    rack=\${rack:-1}
    echo "$(( (rack - 1) / RACKS_PER_BLOCK )) $rack $name $j" >> "$nodes"; j=$((j + 1))
  elif [ $(date +%s) -gt $deadline ]; then echo "FAIL rdma $NODE_NAME: pod $j never came up"; finish 1
  else sleep 2; fi
done
half=$((n / 2))
order=$(sort -k1,1n -k2,2n -k3,3 "$nodes" | awk '{print $4}')
pos=$(echo "$order" | awk -v i=$i '$1 == i {print NR - 1}')
if [ $pos -lt $half ]; then role=server; peer_index=$(echo "$order" | sed -n "$((pos + half + 1))p")
else role=client; peer_index=$(echo "$order" | sed -n "$((pos - half + 1))p"); fi
peer="$JOB_NAME-$peer_index.$SUBDOMAIN"
port=18515
if [ $role = server ]; then
  pids=""
  for hca in $RAIL_HCAS; do ib_write_bw -d "$hca" -F --report_gbits -p "$port" -D 10 >/dev/null & pids="$pids $!"; port=$((port + 1)); done
  served=0
  for pid in $pids; do wait $pid || served=1; done
  if [ $served -eq 0 ]; then echo "served rails on $NODE_NAME for $peer"; else echo "FAIL rdma $NODE_NAME: a rail's server ended in error (see $peer)"; fi
  finish $served
fi
status=0
for hca in $RAIL_HCAS; do
  # perftest serves one connection: no probe touches the server's port, the client just retries.
  until out=$(ib_write_bw -d "$hca" -F --report_gbits -p "$port" -D 10 "$peer" 2>&1); do
    if [ $(date +%s) -gt $deadline ]; then echo "FAIL rdma $NODE_NAME->$peer $hca: no measurement (server never answered, or ended after a failed attempt): $(echo "$out" | tail -1)"; finish 1; fi; sleep 2
  done
  gbps=$(echo "$out" | awk '$1 ~ /^[0-9]+$/ && NF >= 5 {bw=$4} END {print bw+0}')
  port=$((port + 1))
  if awk "BEGIN {exit !($gbps >= $MIN_GBPS)}"; then echo "PASS rdma $NODE_NAME->$peer $hca $gbps Gb/s threshold=$MIN_GBPS"; else echo "FAIL rdma $NODE_NAME->$peer $hca $gbps Gb/s threshold=$MIN_GBPS"; status=1; fi
done
finish $status
`;

/** iperf3 to the uplink's peer endpoint. */
export const WAN_SH = `set -eu
gbps=$(iperf3 -c "$ENDPOINT" -P "$STREAMS" -t 30 -J | jq '.end.sum_received.bits_per_second / 1e9')
if awk "BEGIN {exit !($gbps >= $MIN_GBPS)}"; then echo "PASS wan $UPLINK $gbps Gb/s threshold=$MIN_GBPS of $CONTRACT_GBPS"; else echo "FAIL wan $UPLINK $gbps Gb/s threshold=$MIN_GBPS of $CONTRACT_GBPS"; exit 1; fi
`;

/** Sequential read throughput of one client on a fresh volume of the tier. */
export const STORAGE_SH = `set -eu
gbps=$(fio --name=read --directory=/data --rw=read --bs=4M --size=8G --numjobs=4 --direct=1 --group_reporting --output-format=json | jq '[.jobs[].read.bw_bytes] | add / 1e9')
if awk "BEGIN {exit !($gbps >= $MIN_GBPS)}"; then echo "PASS storage $TIER client $JOB_COMPLETION_INDEX $gbps GB/s threshold=$MIN_GBPS"; else echo "FAIL storage $TIER client $JOB_COMPLETION_INDEX $gbps GB/s threshold=$MIN_GBPS"; exit 1; fi
`;
