/**
 * Test "hosts" on one Linux machine: each host is a network namespace of
 * its own, joined to the others through veth pairs on a bridge that lives in
 * a namespace of its own too. Addresses (10.213.X.0/24) exist only inside
 * these namespaces: nothing in the machine's own network changes, and the
 * test process reaches the hosts only through files (a Redis unix socket, logs).
 *
 * Faults: `partition(host)` takes the host's link down (packets vanish, no
 * reset: what a cut cable or a dead switch port does), `heal(host)` brings it
 * back, `vanish(host)` kills everything on the host and deletes it.
 *
 * Namespaces are named `rfxh-<pid>-<tag>-<host>`; everything a lab created
 * is removed by `dispose()`, and on process exit even when a test failed,
 * and a new lab removes the stale ones of processes that no longer exist.
 * Needs root and iproute2 (`ip netns`); {@link NETNS_SKIP_REASON} says why not.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_SERVER } from './redis-server.js';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((path) => spawnSync(path, ['-V']).status === 0);

function probe(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (!IP) return 'iproute2 is not installed (apt-get install iproute2, or run scripts/install-system-deps.sh)';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  const name = `rfxh-${process.pid}-probe`;
  const add = spawnSync(IP, ['netns', 'add', name], { encoding: 'utf8' });
  if (add.status !== 0) return `\`ip netns add\` fails here (${add.stderr.trim() || `exit ${add.status}`}), e.g. in a container without CAP_SYS_ADMIN`;
  const veth = spawnSync(IP, ['-n', name, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1'], { encoding: 'utf8' });
  spawnSync(IP, ['netns', 'del', name]);
  if (veth.status !== 0) return `veth pairs cannot be created here (${veth.stderr.trim()})`;
  return undefined;
}

/** Why network-namespace tests are skipped here, or undefined when they can run. */
export const NETNS_SKIP_REASON: string | undefined = probe();

/** Runs `ip …args`; throws with its stderr on failure. */
function ip(...args: string[]): string {
  const run = spawnSync(IP!, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')}: ${run.stderr.trim() || `exit ${run.status}`}`);
  return run.stdout;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Kills every process inside a namespace (SIGKILL). */
function killAllIn(namespace: string): void {
  const pids = spawnSync(IP!, ['netns', 'pids', namespace], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** Deletes namespaces named rfxh-<pid>-… whose process is gone (left by a test run that was killed). */
export function removeStaleNamespaces(): string[] {
  if (!IP) return [];
  const removed: string[] = [];
  for (const line of spawnSync(IP, ['netns', 'list'], { encoding: 'utf8' }).stdout?.split('\n') ?? []) {
    const name = line.split(' ')[0] ?? '';
    const match = /^rfxh-(\d+)-/.exec(name);
    if (!match || alive(Number(match[1]))) continue;
    killAllIn(name);
    spawnSync(IP, ['netns', 'del', name]);
    removed.push(name);
  }
  return removed;
}

/** One test host: a network namespace with one address on the lab's network. */
export interface Host {
  name: string;
  /** Its namespace, `rfxh-<pid>-<tag>-<name>`. */
  namespace: string;
  /** Its address (10.213.X.n), reachable from the other hosts only. */
  address: string;
  /** The host end of its link is `eth0`; this is the bridge end (the one `partition` takes down). */
  port: string;
}

/** A process started on a host. */
export interface HostProcess {
  child: ChildProcess;
  host: Host;
  /** Its stderr and stdout so far. */
  log(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
}

/** A redis-server on a host: on its address, port 6379, and on a unix socket for the test itself. */
export interface HostRedis {
  /** `redis://<address>:6379`, for processes on the other hosts. */
  url: string;
  /** A unix socket path: the test process (in no namespace) reaches Redis through the file system. */
  socket: string;
  dir: string;
  process(): HostProcess | undefined;
  /** SIGKILL (no goodbye, no AOF rewrite) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** Starts it again with the same directory (and AOF). */
  start(): Promise<void>;
}

/** Options for {@link Lab.startRedis}. */
export interface HostRedisOptions {
  /**
   * AOF fsync policy (default `always`). `no` turns the AOF off entirely.
   * @defaultValue `'always'`
   */
  appendfsync?: 'always' | 'everysec' | 'no';
}

let labs = 0;
const liveLabs = new Set<Lab>();
process.once('exit', () => {
  for (const lab of liveLabs) lab.disposeSync();
});

/**
 * A set of test hosts. Create it in `beforeAll`, `dispose()` it in `afterAll`
 * (it is also disposed when the process exits).
 *
 * @example
 * ```ts
 * const lab = await Lab.create('faults');
 * const [db, w1] = [lab.addHost('db'), lab.addHost('w1')];
 * const redis = await lab.startRedis(db);
 * const worker = lab.spawn(w1, process.execPath, ['dist/bin.js', 'worker', '--redis', redis.url]);
 * lab.partition(w1); lab.heal(w1); lab.vanish(w1);
 * await lab.dispose();
 * ```
 */
export class Lab {
  readonly prefix: string;
  readonly subnet: number;
  private readonly bridgeNamespace: string;
  private readonly hosts = new Map<string, Host>();
  private readonly processes = new Set<HostProcess>();
  private readonly dirs: string[] = [];
  private disposed = false;

  private constructor(tag: string) {
    if (NETNS_SKIP_REASON) throw new Error(NETNS_SKIP_REASON);
    this.subnet = labs++ % 250;
    this.prefix = `rfxh-${process.pid}-${tag}`;
    this.bridgeNamespace = `${this.prefix}-br`;
  }

  /** A new lab (a bridge in its own namespace), after removing stale ones of dead processes. */
  static create(tag: string): Lab {
    if (!/^[a-z0-9]{1,8}$/.test(tag)) throw new Error(`lab tag ${JSON.stringify(tag)}: use 1-8 lowercase letters or digits`);
    removeStaleNamespaces();
    const lab = new Lab(tag);
    liveLabs.add(lab);
    try {
      ip('netns', 'add', lab.bridgeNamespace);
      ip('-n', lab.bridgeNamespace, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', lab.bridgeNamespace, 'link', 'set', 'br0', 'up');
    } catch (error) {
      lab.disposeSync();
      throw error;
    }
    return lab;
  }

  /** A new host on the lab's network, with address 10.213.<subnet>.<n>. */
  addHost(name: string): Host {
    if (!/^[a-z0-9]{1,8}$/.test(name)) throw new Error(`host name ${JSON.stringify(name)}: use 1-8 lowercase letters or digits`);
    if (this.hosts.has(name)) throw new Error(`host ${name} exists`);
    const index = this.hosts.size + 1;
    const host: Host = { name, namespace: `${this.prefix}-${name}`, address: `10.213.${this.subnet}.${index}`, port: `p${index}` };
    ip('netns', 'add', host.namespace);
    this.hosts.set(name, host);
    // The pair is created inside the host's namespace; its far end moves to the bridge's.
    ip('-n', host.namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', host.port, 'netns', this.bridgeNamespace);
    ip('-n', this.bridgeNamespace, 'link', 'set', host.port, 'master', 'br0');
    ip('-n', this.bridgeNamespace, 'link', 'set', host.port, 'up');
    ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
    ip('-n', host.namespace, 'link', 'set', 'eth0', 'up');
    ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
    return host;
  }

  /** Cuts a host off: its bridge port goes down, packets to and from it vanish (no reset). */
  partition(host: Host): void {
    ip('-n', this.bridgeNamespace, 'link', 'set', host.port, 'down');
  }

  /** Ends a {@link Lab.partition}. */
  heal(host: Host): void {
    ip('-n', this.bridgeNamespace, 'link', 'set', host.port, 'up');
  }

  /** The host is gone for good: every process on it SIGKILLed, its namespace (and link) deleted. */
  vanish(host: Host): void {
    killAllIn(host.namespace);
    spawnSync(IP!, ['netns', 'del', host.namespace]);
    this.hosts.delete(host.name);
  }

  /**
   * Starts a process on a host (`ip netns exec`, which execs the command: the
   * child is the process itself). Its output is kept; {@link Lab.dispose} kills it.
   */
  spawn(host: Host, command: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): HostProcess {
    const child = spawn(IP!, ['netns', 'exec', host.namespace, command, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (log += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (log += text));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const running = () => child.exitCode === null && child.signalCode === null;
    const hostProcess: HostProcess = {
      child,
      host,
      log: () => log,
      exited,
      running,
      async stop(graceMs = 10_000) {
        if (running()) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        return exited;
      },
    };
    this.processes.add(hostProcess);
    void exited.then(() => this.processes.delete(hostProcess));
    return hostProcess;
  }

  /**
   * A redis-server on a host, configured as docs/operations.md recommends:
   * AOF on (`appendfsync always` unless asked otherwise), `maxmemory-policy
   * noeviction`, no RDB snapshots; on the host's address (port 6379) and on a
   * unix socket in its directory, for the test process.
   */
  async startRedis(host: Host, options: HostRedisOptions = {}): Promise<HostRedis> {
    if (!REDIS_SERVER) throw new Error('redis-server is not installed');
    const dir = mkdtempSync(join(tmpdir(), `${this.prefix}-redis-`));
    this.dirs.push(dir);
    const socket = join(dir, 'redis.sock');
    const fsync = options.appendfsync ?? 'always';
    const args = [
      '--port', '6379', '--bind', host.address, '127.0.0.1', '--protected-mode', 'no', '--dir', dir, '--save', '',
      '--unixsocket', socket, '--unixsocketperm', '700', '--maxmemory-policy', 'noeviction', '--daemonize', 'no',
      ...(fsync === 'no' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', fsync]),
    ];
    let current: HostProcess | undefined;
    const start = async () => {
      const proc = this.spawn(host, REDIS_SERVER!, args, { cwd: dir });
      current = proc;
      const until = Date.now() + 15_000;
      while (!/Ready to accept connections/.test(proc.log())) {
        if (!proc.running()) throw new Error(`redis-server on ${host.name} exited:\n${proc.log()}`);
        if (Date.now() > until) throw new Error(`redis-server on ${host.name} did not start within 15 s:\n${proc.log()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const end = async (signal: NodeJS.Signals) => {
      const proc = current;
      current = undefined;
      if (!proc?.running()) return;
      proc.child.kill(signal);
      await proc.exited;
    };
    await start();
    return { url: `redis://${host.address}:6379`, socket, dir, process: () => current, kill: () => end('SIGKILL'), stop: () => end('SIGTERM'), start };
  }

  /** Kills every process the lab started, deletes its hosts, the bridge and the Redis directories. */
  async dispose(): Promise<void> {
    const running = [...this.processes];
    for (const proc of running) if (proc.running()) proc.child.kill('SIGKILL');
    await Promise.all(running.map((proc) => proc.exited));
    this.disposeSync();
  }

  /** {@link Lab.dispose} without waiting (for process exit). */
  disposeSync(): void {
    if (this.disposed) return;
    this.disposed = true;
    liveLabs.delete(this);
    for (const proc of this.processes) if (proc.running()) proc.child.kill('SIGKILL');
    for (const host of this.hosts.values()) {
      killAllIn(host.namespace);
      spawnSync(IP!, ['netns', 'del', host.namespace]);
    }
    this.hosts.clear();
    killAllIn(this.bridgeNamespace);
    spawnSync(IP!, ['netns', 'del', this.bridgeNamespace]);
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}
