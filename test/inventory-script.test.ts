/**
 * The inventory check's program, run for real under python3 against a stand-in API server that
 * serves the node's object: it reads GPU Feature Discovery's labels and the advertised GPUs
 * through the API (with the pod's token), counts the fabric ports, and prints one PASS or FAIL
 * line naming what is missing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { INVENTORY_PY } from '../constructs/acceptance/private/acceptance-scripts';
import { tempDir } from './util';

jest.setTimeout(30_000);

type Node = { labels: Record<string, string>; allocatable: Record<string, string> };

const H100: Node = {
  labels: { 'nvidia.com/gpu.count': '8', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
  allocatable: { 'nvidia.com/gpu': '8', cpu: '224' },
};

let server: Server;
let api: string;
let served: Node = H100;
/** Other nodes the stand-in API server knows, for label-selector lists. */
let others: Record<string, string>[] = [];
const requests: { path: string; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.pathname === '/api/v1/nodes' && url.searchParams.has('labelSelector')) {
      // Equality selectors only (key=value), as the API server reads them.
      const [key, value] = url.searchParams.get('labelSelector')!.split('=');
      const items = [served.labels, ...others].filter((labels) => labels[key] === value).map((labels) => ({ metadata: { labels } }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'NodeList', items }));
      return;
    }
    if (req.url !== '/api/v1/nodes/gpu-07') {
      res.writeHead(404).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ metadata: { name: 'gpu-07', labels: served.labels }, status: { allocatable: served.allocatable } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/**
 * Runs the script for node gpu-07 with `ports` fabric ports, under a locked-memory limit of
 * `memlock` (a `ulimit -l` value); returns its exit status and output.
 */
function inventory(
  node: Node,
  ports: number,
  env: Record<string, string> = {},
  memlock = '8192',
  linkState: (port: number) => string = () => '4: ACTIVE',
  linkRate: (port: number) => string = () => '400 Gb/sec (4X NDR)',
): Promise<{ status: number | null; output: string }> {
  served = node;
  const dir = tempDir('inventory-');
  writeFileSync(join(dir, 'inventory.py'), INVENTORY_PY);
  mkdirSync(join(dir, 'account'));
  writeFileSync(join(dir, 'account', 'token'), 'pod-token\n');
  mkdirSync(join(dir, 'infiniband'));
  for (let i = 0; i < ports; i++) {
    // As the kernel shows an HCA: ports/1/state and ports/1/rate (rail HCAs are mlx5_0..n here).
    const port = join(dir, 'infiniband', `mlx5_${i}`, 'ports', '1');
    mkdirSync(port, { recursive: true });
    writeFileSync(join(port, 'state'), `${linkState(i)}\n`);
    writeFileSync(join(port, 'rate'), `${linkRate(i)}\n`);
  }
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `ulimit -l ${memlock} && exec python3 "$0"`, join(dir, 'inventory.py')], {
      env: {
        PATH: process.env.PATH,
        NODE_NAME: 'gpu-07',
        EXPECTED_GPUS: '8',
        EXPECTED_NICS: '8',
        GPU_MODEL: 'H100 80GB HBM3',
        WHOLE_GPUS: 'true',
        // Lowering the limit needs no privilege; raising it to unlimited would (see the last test).
        MIN_MEMLOCK_KIB: '4096',
        RAIL_HCAS: Array.from({ length: 8 }, (_, i) => `mlx5_${i}`).join(','),
        LINK_GBPS: '400',
        API_SERVER: api,
        SERVICE_ACCOUNT_DIR: join(dir, 'account'),
        RDMA_DEVICES_DIR: join(dir, 'infiniband'),
        ...env,
      },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (status) => resolve({ status, output }));
  });
}

test('a node as delivered passes, read with the pod’s own token', async () => {
  const run = await inventory(H100, 8);
  expect(run).toMatchObject({ status: 0 });
  expect(run.output).toMatch(/^PASS inventory gpu-07$/m);
  expect(requests.at(-1)).toEqual({ path: '/api/v1/nodes/gpu-07', authorization: 'Bearer pod-token' });
});

test('a missing GPU, a wrong model, an unhealthy GPU or a missing port each fail, saying which', async () => {
  const seven = await inventory({ ...H100, labels: { ...H100.labels, 'nvidia.com/gpu.count': '7' } }, 8);
  expect(seven.status).toBe(1);
  expect(seven.output).toMatch(/FAIL inventory gpu-07: 7 GPUs found, 8 expected/);

  const model = await inventory({ ...H100, labels: { ...H100.labels, 'nvidia.com/gpu.product': 'NVIDIA-H200' } }, 8);
  expect(model.output).toMatch(/FAIL inventory gpu-07: GPU model NVIDIA-H200, expected H100 80GB HBM3/);

  const unhealthy = await inventory({ ...H100, allocatable: { 'nvidia.com/gpu': '6' } }, 8);
  expect(unhealthy.output).toMatch(/FAIL inventory gpu-07: 6 GPUs advertised healthy, 8 expected/);

  const ports = await inventory(H100, 6);
  expect(ports.output).toMatch(/FAIL inventory gpu-07: 6 fabric ports, 8 expected/);
});

test('on a partitioned pool the advertised whole GPUs are not counted (the slices are)', async () => {
  const mig = { ...H100, allocatable: { 'nvidia.com/mig-1g.10gb': '56' } };
  expect((await inventory(mig, 8, { WHOLE_GPUS: 'false' })).status).toBe(0);
  expect((await inventory(mig, 8)).output).toMatch(/0 GPUs advertised healthy, 8 expected/);
});

test('a rail node whose containers may lock only 8 MiB fails: non-root RDMA jobs could not register memory', async () => {
  const limited = await inventory(H100, 8, { MIN_MEMLOCK_KIB: 'unlimited' }, '8192');
  expect(limited.status).toBe(1);
  expect(limited.output).toMatch(/FAIL inventory gpu-07: containers may lock 8192 KiB, unlimited expected for RDMA/);
  expect((await inventory(H100, 8, { MIN_MEMLOCK_KIB: '16384' }, '8192')).output).toMatch(/may lock 8192 KiB, 16384 expected/);
  // Nodes off the rails do not need it.
  expect((await inventory(H100, 8, { MIN_MEMLOCK_KIB: '' }, '64')).output).toMatch(/^PASS inventory gpu-07$/m);
});

test('every rail HCA must be there, up and at the fabric rate; the failure names the HCA', async () => {
  const down = await inventory(H100, 8, {}, '8192', (i) => (i === 3 ? '1: DOWN' : '4: ACTIVE'));
  expect(down.status).toBe(1);
  expect(down.output).toMatch(/rail HCA mlx5_3 is 1: DOWN, not ACTIVE/);
  const slow = await inventory(H100, 8, {}, '8192', undefined, (i) => (i === 5 ? '200 Gb/sec (4X HDR)' : '400 Gb/sec (4X NDR)'));
  expect(slow.output).toMatch(/rail HCA mlx5_5 runs at 200 Gb\/sec \(4X HDR\), 400 Gb\/s expected/);
  // DGX compute ports are not contiguous: an HCA the rail plan names that the node lacks.
  const missing = await inventory(H100, 8, { RAIL_HCAS: 'mlx5_0,mlx5_11' });
  expect(missing.output).toMatch(/rail HCA mlx5_11 missing/);
});

describe('a tray of a multi-node NVLink domain (GB200 NVL72)', () => {
  const clique = '3f9a2c1e-7b4d-4e0a-9c61-2d5b8e7f1a03.1';
  const tray: Node = {
    labels: {
      'nvidia.com/gpu.count': '4',
      'nvidia.com/gpu.product': 'NVIDIA-GB200',
      'nvidia.com/gpu.clique': clique,
      'ai-factory.eu/rack': 'gb200-r01',
    },
    allocatable: { 'nvidia.com/gpu': '4' },
  };
  const gb200 = {
    EXPECTED_GPUS: '4',
    EXPECTED_NICS: '4',
    GPU_MODEL: 'GB200',
    RAIL_HCAS: 'mlx5_0,mlx5_1,mlx5_2,mlx5_3',
    NVLINK_DOMAIN_NODES: '18',
  };
  /** `n` other trays in domain `id`. */
  const trays = (n: number, id = clique, rack = 'gb200-r01') =>
    Array.from({ length: n }, () => ({ 'nvidia.com/gpu.clique': id, 'ai-factory.eu/rack': rack }));
  afterEach(() => {
    others = [];
  });

  test('passes when its domain holds all 18 trays, counted by the clique label through the API', async () => {
    others = [...trays(17), ...trays(18, 'another-rack.1')];
    const run = await inventory(tray, 4, gb200);
    expect(run.output).toMatch(/^nvlink domain 3f9a2c1e-\S+\.1: 18\/18 nodes in rack gb200-r01$/m);
    expect(run).toMatchObject({ status: 0 });
    const list = new URL(requests.at(-1)!.path, 'http://api');
    expect([list.pathname, list.searchParams.get('labelSelector')]).toEqual(['/api/v1/nodes', `nvidia.com/gpu.clique=${clique}`]);
  });

  test('fails without a clique label (NVLink fabric not up) or with trays missing from its domain', async () => {
    const { 'nvidia.com/gpu.clique': _, ...unlabelled } = tray.labels;
    const alone = await inventory({ ...tray, labels: unlabelled }, 4, gb200);
    expect(alone.status).toBe(1);
    expect(alone.output).toMatch(/FAIL inventory gpu-07: no nvidia.com\/gpu.clique label/);

    others = trays(16);
    const short = await inventory(tray, 4, gb200);
    expect(short.status).toBe(1);
    expect(short.output).toMatch(/NVLink domain 3f9a2c1e-\S+ holds 17 nodes, 18 expected/);
  });

  test('fails when its domain spans racks: the NVLink cabling and the rack labels disagree', async () => {
    others = [...trays(9), ...trays(8, clique, 'gb200-r02')];
    const split = await inventory(tray, 4, gb200);
    expect(split.status).toBe(1);
    expect(split.output).toMatch(/NVLink domain 3f9a2c1e-\S+ spans racks gb200-r01, gb200-r02, one expected/);
  });

  test('nodes of other pools are not asked for a domain', async () => {
    expect((await inventory(H100, 8, { NVLINK_DOMAIN_NODES: '' })).output).toMatch(/^PASS inventory gpu-07$/m);
  });
});

test('a node must allow pods the CPUs and memory the queues count for it', async () => {
  const counted = { MIN_CPUS: '216', MIN_MEMORY_GIB: '1922' };
  // As a DGX H100 reports itself: 224 threads less 0.5 reserved; of 2 TiB installed the kernel
  // sees ~2015 GiB, less ~20 GiB the kubelet keeps.
  const dgx = { ...H100, allocatable: { ...H100.allocatable, cpu: '223500m', memory: '2042880Mi' } };
  const ok = await inventory(dgx, 8, counted);
  expect(ok.output).toMatch(/^allocatable: 223\.5 CPUs\/216 counted, 1995 GiB\/1922 counted$/m);
  expect(ok.status).toBe(0);
  // Hyper-Threading off: half the CPUs the queues hand out.
  const noSmt = await inventory({ ...dgx, allocatable: { ...dgx.allocatable, cpu: '111500m' } }, 8, counted);
  expect(noSmt.status).toBe(1);
  expect(noSmt.output).toMatch(/FAIL inventory gpu-07: 111\.5 CPUs allocatable, the queues count 216/);
  // A GB200 tray in NUMA mode: its 4 x 186 GB of HBM onlined beside 894 GiB of LPDDR5X.
  const numa = await inventory({ ...dgx, allocatable: { ...dgx.allocatable, memory: '1580Gi' } }, 8, {
    MIN_CPUS: '136',
    MIN_MEMORY_GIB: '803',
    MAX_MEMORY_GIB: '894',
  });
  expect(numa.status).toBe(1);
  expect(numa.output).toMatch(/1580 GiB allocatable, more than the 894 GiB installed: GPU memory is onlined as system memory/);
  expect((await inventory(dgx, 8, { ...counted, MAX_MEMORY_GIB: '2048' })).status).toBe(0);
  const small = await inventory({ ...dgx, allocatable: { ...dgx.allocatable, memory: '1048576Ki' } }, 8, counted);
  expect(small.output).toMatch(/FAIL inventory gpu-07: 1 GiB allocatable, the queues count 1922 GiB/);
});
