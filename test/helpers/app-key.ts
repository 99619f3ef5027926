import { generateKeyPairSync } from "node:crypto";

let cached: string | undefined;

/**
 * Returns an RSA 2048 private key as a PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), as accepted by
 * Probot and universal-github-app-jwt. Generated once per process and then reused.
 */
export function generatePrivateKey(): string {
  cached ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  }).privateKey;
  return cached;
}
