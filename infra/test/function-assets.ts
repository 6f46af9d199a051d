/**
 * A stand-in for `make build`'s output, so the app synthesizes in tests without cross-compiling:
 * one empty (but valid) zip per function, in a temporary directory.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The 22-byte end-of-central-directory record: a zip archive with no entries. */
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

export const FUNCTION_NAMES = ['persister', 'query', 'projector', 'replay', 'api'] as const;

export function placeholderAssets(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-assets-'));
  for (const name of FUNCTION_NAMES) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'bootstrap.zip'), EMPTY_ZIP);
  }
  return dir;
}
