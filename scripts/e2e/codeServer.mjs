// Installs code-server (VS Code in the browser, from the npm registry) into an ignored cache folder, offline of
// anything but the npm registry and Debian's packages, and starts / stops it.
//
// A plain `npm install code-server` fails on these machines: its post-install builds native modules (kerberos
// needs Debian's libkrb5-dev) and @vscode/ripgrep downloads a binary from the internet. So the package is
// unpacked and its parts are installed with scripts off, then only the native modules are rebuilt, and Debian's
// ripgrep stands in for the downloaded one. The result is reused as long as `.installed` names the same version.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.99.4';
const NATIVE = ['@parcel/watcher', '@vscode/spdlog', 'kerberos', 'native-watchdog', 'node-pty', '@vscode/deviceid'];

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args, { cwd, env, log, what }) {
  const t0 = Date.now();
  log.write(`\n$ (cd ${cwd}) ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 << 20 });
  log.write(r.stdout ?? '');
  log.write(r.stderr ?? '');
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${what ?? cmd} failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}) in ${cwd}:\n${tail}`);
  }
  console.log(`  ${what ?? `${cmd} ${args.join(' ')}`} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  return r.stdout;
}

/** Debian packages the install needs; installed with apt-get when missing (CI starts from a fresh machine). */
function ensureAptPackages(log) {
  const missing = [];
  if (!existsSync('/usr/bin/rg')) missing.push('ripgrep');
  if (!existsSync('/usr/include/krb5.h') && !existsSync('/usr/include/krb5/krb5.h') && !existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  if (!have('make') || !have('g++')) missing.push('build-essential');
  if (!have('python3')) missing.push('python3');
  if (!missing.length) return;
  if (process.getuid?.() !== 0) throw new Error(`code-server needs the Debian packages ${missing.join(' ')}: run apt-get install -y ${missing.join(' ')} as root`);
  console.log(`  installing Debian packages: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { cwd: '/', env, log, what: 'apt-get update' });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { cwd: '/', env, log, what: `apt-get install ${missing.join(' ')}` });
}

function link(target, path) {
  try {
    lstatSync(path);
    unlinkSync(path);
  } catch { /* absent */ }
  symlinkSync(target, path);
}

/** Returns the code-server folder in `cacheDir`, installing it first when needed (3–4 minutes, ~300 MiB). */
export function ensureCodeServer(cacheDir) {
  const dir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  const marker = join(dir, '.installed');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === CODE_SERVER_VERSION && existsSync(join(dir, 'out/node/entry.js'))) return dir;
  if (!process.versions.node.startsWith('20.')) throw new Error(`code-server ${CODE_SERVER_VERSION} needs Node 20 exactly; this is Node ${process.versions.node}`);

  mkdirSync(cacheDir, { recursive: true });
  const logPath = join(cacheDir, 'code-server-install.log');
  const log = createWriteStream(logPath);
  console.log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (once; log: ${logPath})`);
  const t0 = Date.now();
  try {
    ensureAptPackages(log);
    const staging = `${dir}.partial`;
    rmSync(staging, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    const packDir = join(cacheDir, 'pack');
    rmSync(packDir, { recursive: true, force: true });
    mkdirSync(packDir, { recursive: true });
    const tgz = run('npm', ['pack', `code-server@${CODE_SERVER_VERSION}`, '--silent'], { cwd: packDir, log, what: 'npm pack' }).trim().split('\n').pop();
    run('tar', ['xzf', join(packDir, tgz), '-C', packDir], { cwd: packDir, log, what: 'unpack' });
    renameSync(join(packDir, 'package'), staging);
    rmSync(packDir, { recursive: true, force: true });

    const vscode = join(staging, 'lib', 'vscode');
    const quiet = { npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
    run('npm', ['install', '--omit=dev', '--ignore-scripts'], { cwd: vscode, env: quiet, log, what: 'lib/vscode: npm install' });
    // node-pty's build script runs `npx node-gyp`: npm_config_yes answers its prompt.
    run('npm', ['rebuild', ...NATIVE], { cwd: vscode, env: { ...quiet, npm_config_yes: 'true' }, log, what: 'lib/vscode: npm rebuild (native modules)' });
    const rgBin = join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
    mkdirSync(rgBin, { recursive: true });
    copyFileSync('/usr/bin/rg', join(rgBin, 'rg'));
    chmodSync(join(rgBin, 'rg'), 0o755);
    link('node_modules', join(vscode, 'node_modules.asar'));
    const remoteCli = join(vscode, 'bin', 'remote-cli');
    if (existsSync(join(remoteCli, 'code-linux.sh'))) link('code-linux.sh', join(remoteCli, 'code-server'));
    const helpers = join(vscode, 'bin', 'helpers');
    if (existsSync(join(helpers, 'browser-linux.sh'))) link('browser-linux.sh', join(helpers, 'browser.sh'));
    run('npm', ['install', '--omit=dev'], { cwd: join(vscode, 'extensions'), env: quiet, log, what: 'lib/vscode/extensions: npm install' });
    run('npm', ['install', '--omit=dev', '--ignore-scripts'], { cwd: staging, env: quiet, log, what: 'code-server: npm install' });
    run('npm', ['rebuild', 'argon2'], { cwd: staging, env: quiet, log, what: 'code-server: npm rebuild argon2' });
    // A last check that the server starts at all.
    // (With its own config file: without one, code-server writes ~/.config/code-server/config.yaml.)
    run(process.execPath, [join(staging, 'out', 'node', 'entry.js'), '--config', join(staging, '.version-check.yaml'), '--version'], { cwd: staging, log, what: 'code-server --version' });
    writeFileSync(join(staging, '.installed'), CODE_SERVER_VERSION + '\n');
    renameSync(staging, dir);
  } catch (e) {
    log.end();
    throw new Error(`installing code-server failed: ${e.message}\n(full log: ${logPath})`);
  }
  log.end();
  console.log(`code-server installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Our own config file (else code-server writes one with a password into ~/.config), and the two folders. */
function dirsArgs(userDataDir, extensionsDir, config) {
  return ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
}

/** `code-server --install-extension <vsix>` with the same two folders the server will use. */
export function installExtension(dir, vsix, userDataDir, extensionsDir, config) {
  const r = spawnSync(process.execPath, [join(dir, 'out/node/entry.js'), ...dirsArgs(userDataDir, extensionsDir, config), '--install-extension', vsix, '--force'], { encoding: 'utf8', timeout: 120_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) throw new Error(`installing ${vsix} into code-server failed (exit ${r.status}):\n${out}`);
  return out.trim();
}

/**
 * Starts code-server on 127.0.0.1:<port> with no auth, telemetry or update checks; resolves once it listens.
 * Its output goes to `logFile`. The returned `stop()` kills the whole process group.
 */
export async function startCodeServer(dir, { port, userDataDir, extensionsDir, folder, logFile, config }) {
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, [
    join(dir, 'out/node/entry.js'), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', ...dirsArgs(userDataDir, extensionsDir, config), folder,
  ], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PASSWORD: undefined, VSCODE_PROXY_URI: undefined } });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  /** Stops the whole process group: SIGTERM, then SIGKILL if it is still there after 5 s. */
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    const signal = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch { /* already gone */ }
    };
    signal('SIGTERM');
    for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
    signal('SIGKILL');
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited (${JSON.stringify(exited)}) before it listened; see ${logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on 127.0.0.1:${port} within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, stop, exited: () => exited };
}

/** The extension host's and the server's logs, newest session, for a failure report. */
export function serverLogFiles(userDataDir) {
  const logs = join(userDataDir, 'logs');
  if (!existsSync(logs)) return [];
  const sessions = readdirSync(logs).sort();
  const out = [];
  const walk = (d) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (f.name.endsWith('.log')) out.push(p);
    }
  };
  if (sessions.length) walk(join(logs, sessions[sessions.length - 1]));
  return out;
}
