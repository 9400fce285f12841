import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { errors } from '../core/errors.ts'

const run = promisify(execFile)

/** The openssl binary the certificate is made with (FEEDBENCH_OPENSSL overrides it, for tests of a missing one). */
export const OPENSSL_ENV = 'FEEDBENCH_OPENSSL'

/** How long openssl may take to make a key and certificate, ms. */
const OPENSSL_TIMEOUT_MS = 15_000

/** A self-signed certificate for 127.0.0.1 / localhost, in a private temporary directory until removed. */
export interface TlsCertificate {
  /** PEM of the certificate: what clients trust, and the only thing they trust. */
  readonly certPem: string
  readonly keyPem: string
  /** The directory holding key.pem and cert.pem (mode 0700), for a server process started with --tls-dir. */
  readonly dir: string
  /** Deletes the directory and the key in it. */
  remove (): void
}

/**
 * Makes a fresh key and self-signed certificate with the openssl CLI into a new temporary directory.
 * ECDSA P-256, as most sites now serve (a smaller handshake than RSA 2048; the handshake bytes count
 * as setup). Valid one day, for IP 127.0.0.1, ::1 and localhost. The key never leaves that directory
 * and the processes of the run; remove() deletes it. Throws BENCH_ERR_TLS_SETUP naming openssl when it
 * is missing or fails.
 */
export async function makeCertificate (env: NodeJS.ProcessEnv = process.env): Promise<TlsCertificate> {
  const openssl = env[OPENSSL_ENV] ?? 'openssl'
  const dir = mkdtempSync(join(tmpdir(), 'feedbench-tls-'))
  const remove = (): void => { rmSync(dir, { recursive: true, force: true }) }
  try {
    await run(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'], { timeout: OPENSSL_TIMEOUT_MS })
    return { ...readCertificateDir(dir), dir, remove }
  } catch (cause) {
    remove()
    const err = cause as NodeJS.ErrnoException & { stderr?: string }
    const why = err.code === 'ENOENT'
      ? `${openssl} not found (install the openssl package: apt-get install openssl)`
      : `${openssl} failed: ${(err.stderr ?? err.message).trim().split('\n')[0] ?? ''}`
    throw new errors.BENCH_ERR_TLS_SETUP(why, `the certificate is made with ${openssl} req -x509 at start-up`, { cause })
  }
}

/** Reads key.pem and cert.pem from a directory made by makeCertificate (a server process given --tls-dir). */
export function readCertificateDir (dir: string): { readonly certPem: string, readonly keyPem: string } {
  try {
    return { certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') }
  } catch (cause) {
    throw new errors.BENCH_ERR_TLS_SETUP(`cannot read key.pem and cert.pem in ${dir}`, (cause as Error).message, { cause })
  }
}
