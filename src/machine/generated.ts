/**
 * The generated text of files (Content's default bytes): a file's bytes are a deterministic function of its name and
 * the offset, so no byte is ever stored.
 */

const ROW = 64;

/**
 * The generated text of a file: 64-byte rows that say which file and offset they hold, so a person reading the
 * hex view sees where bytes came from ("index.html @0x00004000 ..."), and two files never look alike.
 */
export function generatedRow(name: string, rowIndex: number): string {
  const off = (rowIndex * ROW).toString(16).padStart(8, '0');
  const head = `${name} @0x${off} `;
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = head.length > ROW - 1 ? head.slice(0, ROW - 1) : head;
  let k = rowIndex % filler.length;
  while (s.length < ROW - 1) {
    s += filler[k];
    k = (k + 1) % filler.length;
  }
  return s + '\n';
}

export type NameOf = (seed: number) => string;

export function generatedBytes(name: string, off: number, out: Uint8Array, at: number, len: number): void {
  let row = Math.floor(off / ROW);
  let inRow = off - row * ROW;
  let text = generatedRow(name, row);
  for (let i = 0; i < len; i++) {
    out[at + i] = text.charCodeAt(inRow) & 0xff;
    inRow++;
    if (inRow === ROW) {
      row++;
      inRow = 0;
      text = generatedRow(name, row);
    }
  }
}
