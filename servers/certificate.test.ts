import { existsSync, statSync } from 'node:fs'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { makeCertificate, OPENSSL_ENV } from './certificate.ts'

describe('the certificate made for --tls', () => {
  it('is a fresh ECDSA P-256 certificate for 127.0.0.1 in a private directory that remove() deletes', async () => {
    const cert = await makeCertificate()
    try {
      const x509 = new X509Certificate(cert.certPem)
      expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1')
      expect(x509.subjectAltName).toContain('DNS:localhost')
      expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
      expect(x509.checkPrivateKey(createPrivateKey(cert.keyPem))).toBe(true)
      expect(statSync(cert.dir).mode & 0o777).toBe(0o700)
    } finally {
      cert.remove()
    }
    expect(existsSync(cert.dir)).toBe(false)
  })

  it('fails with one coded error naming openssl when it is missing', async () => {
    const e = await makeCertificate({ [OPENSSL_ENV]: '/nonexistent/openssl' }).then(() => new Error('made'), (err: unknown) => err as Error & { code?: string })
    expect((e as { code?: string }).code).toBe('BENCH_ERR_TLS_SETUP')
    expect(e.message).toBe('Cannot make the TLS certificate for --tls: /nonexistent/openssl not found (install the openssl package: apt-get install openssl) ' +
      '(the certificate is made with /nonexistent/openssl req -x509 at start-up)')
  })
})
