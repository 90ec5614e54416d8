import { readFileSync } from 'node:fs';

export function fixtureBytes(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

export function fixtureFile(name: string, type: string, as: string = name): File {
  return new File([new Uint8Array(fixtureBytes(name))], as, { type });
}
