/**
 * The RDMA pair check's script, run for real under `sh` with stand-ins for the network tools:
 * pods find each other's nodes, pair across leaf blocks and racks whatever their indices, wait
 * for their peer instead of sleeping, and print one PASS or FAIL line per rail.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RDMA_PAIRS_SH } from '../constructs/acceptance/private/acceptance-scripts';
import { tempDir } from './util';

jest.setTimeout(60_000);

/** socat and ib_write_bw over files in STUB_DIR instead of a network and a fabric. */
function stubs(): { bin: string; state: string } {
  const bin = tempDir('rdma-bin-');
  const state = tempDir('rdma-state-');
  mkdirSync(join(state, 'names'));
  mkdirSync(join(state, 'listen'));
  mkdirSync(join(state, 'done'));
  writeFileSync(
    join(bin, 'socat'),
    `#!/bin/sh
# socat TCP-LISTEN:<port>,fork ... SYSTEM:"echo <node>": publish this pod's node name and, like
# the real one, keep serving until killed.
case "$1" in TCP-LISTEN:*) echo "$NODE_NAME" > "$STUB_DIR/names/$JOB_NAME-$JOB_COMPLETION_INDEX.$SUBDOMAIN"; exec sleep 60;; esac
target=$(echo "$3" | sed 's/^TCP://')
host=\${target%:*}
# socat -T2 - TCP:<host>:<port>: read the peer's node name.
cat "$STUB_DIR/names/$host" 2>/dev/null
`,
    { mode: 0o755 },
  );
  writeFileSync(
    join(bin, 'ib_write_bw'),
    `#!/bin/sh
echo "$*" >> "$STUB_DIR/args"
last=$(eval echo "\\\${$#}")
port=$(echo "$*" | sed 's/.*-p \\([0-9]*\\).*/\\1/')
case "$last" in
  # Client: refused until the server listens (perftest exits non-zero), then one measurement.
  *.*) [ -e "$STUB_DIR/listen/$last:$port" ] || { echo "Couldn't connect to $last:$port" >&2; exit 1; }
       echo "$NODE_NAME $last" >> "$STUB_DIR/pairs"; touch "$STUB_DIR/done/$last:$port"
       echo " 65536      5000           \${STUB_GBPS:-390}.00            \${STUB_GBPS:-390}.00        0.74";;
  # Server: listens after a moment, serves one client, exits.
  *) sleep 1; me="$JOB_NAME-$JOB_COMPLETION_INDEX.$SUBDOMAIN:$port"; touch "$STUB_DIR/listen/$me"
     for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e "$STUB_DIR/done/$me" ] && exit 0; sleep 1; done; exit 1;;
esac
`,
    { mode: 0o755 },
  );
  return { bin, state };
}

interface Pod {
  status: number | null;
  output: string;
}

/** Runs one pod per node name, index i on nodes[i]; `missing` pods never start. */
async function run(
  nodes: string[],
  env: Record<string, string> = {},
  missing: number[] = [],
): Promise<{ pods: Pod[]; pairs: string[]; state: string }> {
  const { bin, state } = stubs();
  const script = join(tempDir('rdma-script-'), 'rdma-pairs.sh');
  writeFileSync(script, RDMA_PAIRS_SH);
  const pods = await Promise.all(
    nodes.map((node, i) =>
      missing.includes(i)
        ? Promise.resolve({ status: null, output: '' })
        : new Promise<Pod>((done) => {
            const child = spawn('sh', [script], {
              env: {
                PATH: `${bin}:${process.env.PATH}`,
                STUB_DIR: state,
                JOB_COMPLETION_INDEX: String(i),
                PAIR_PODS: String(nodes.length),
                NODE_NAME: node,
                JOB_NAME: 'rdma-pairs-h200-x',
                SUBDOMAIN: 'rdma-pairs-h200',
                NAME_PORT: '29501',
                RACKS_PER_BLOCK: '2',
                RAIL_HCAS: 'mlx5_0 mlx5_1',
                MIN_GBPS: '360',
                PEER_TIMEOUT_S: '20',
                NAME_GRACE_S: '0',
                ...env,
              },
            });
            let output = '';
            child.stdout.on('data', (d: Buffer) => {
              output += d.toString();
            });
            child.stderr.on('data', (d: Buffer) => {
              output += d.toString();
            });
            child.on('close', (status) => done({ status, output }));
          }),
    ),
  );
  let pairs: string[] = [];
  try {
    pairs = readFileSync(join(state, 'pairs'), 'utf8').trim().split('\n');
  } catch {
    pairs = [];
  }
  return { pods, pairs, state };
}

const rackOf = (node: string) => Number(/-r(\d+)-/.exec(node)![1]);
const blockOf = (node: string) => Math.floor((rackOf(node) - 1) / 2);

describe('RDMA pair check script', () => {
  // Indices deliberately not in rack order: pairing must come from the nodes, not the indices.
  const nodes = ['h200-r04-n1', 'h200-r01-n2', 'h200-r03-n1', 'h200-r01-n1'];
  const nodeOf = (host: string) => nodes[Number(/-(\d+)\.rdma-pairs-h200$/.exec(host)![1])];

  test('pairs nodes across blocks and racks, waits for its peer, and passes at link speed', async () => {
    const started = Date.now();
    const { pods, pairs } = await run(nodes);
    // Servers do not wait for the name listener, which serves until killed.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(pods.map((p) => p.status)).toEqual([0, 0, 0, 0]);
    const clientPairs = [...new Set(pairs.map((line) => line.split(' ')).map(([client, host]) => `${client}->${nodeOf(host)}`))].sort();
    expect(clientPairs).toHaveLength(2);
    for (const pair of clientPairs) {
      const [a, b] = pair.split('->');
      expect(blockOf(a)).not.toBe(blockOf(b));
      expect(rackOf(a)).not.toBe(rackOf(b));
    }
    const passes = pods.flatMap((p) => p.output.split('\n').filter((l) => l.startsWith('PASS')));
    expect(passes).toHaveLength(4); // two clients x two rails
    for (const line of passes)
      expect(line).toMatch(/^PASS rdma h200-r\d+-n\d+->rdma-pairs-h200-x-\d\.rdma-pairs-h200 mlx5_[01] 390 Gb\/s threshold=360$/);
  });

  test("on RoCE too, names each rail's HCA and leaves the GID to perftest (no rdma_cm over the pod network)", async () => {
    const { pods, state } = await run(nodes, { FABRIC: 'roce' });
    expect(pods.map((p) => p.status)).toEqual([0, 0, 0, 0]);
    const args = readFileSync(join(state, 'args'), 'utf8').trim().split('\n');
    expect(args.length).toBeGreaterThanOrEqual(8);
    for (const line of args) expect(line).toMatch(/^-d mlx5_[01] -F --report_gbits -p \d+ -D 10( \S+)?$/);
  });

  test('fails each rail below the threshold', async () => {
    const { pods } = await run(nodes, { STUB_GBPS: '200' });
    expect(pods.filter((p) => p.status === 1)).toHaveLength(2);
    expect(pods.flatMap((p) => p.output.split('\n').filter((l) => l.startsWith('FAIL')))).toHaveLength(4);
  });

  test('fails, naming the pod, when a peer never comes up', async () => {
    const { pods } = await run(nodes, { PEER_TIMEOUT_S: '3' }, [2]);
    expect(
      pods.filter((_p, i) => i !== 2).every((p) => p.status === 1 && /FAIL rdma h200-r\d+-n\d+: pod 2 never came up/.test(p.output)),
    ).toBe(true);
  });
});
