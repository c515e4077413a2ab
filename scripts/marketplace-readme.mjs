// Writes dist/README.md, the README packaged into the VSIX (package.json's vsce.readmePath). Marketplace and
// Open VSX pages show only images with absolute https URLs, and the project has no public host for them yet, so
// the packaged copy leaves the screenshots out (with a pointer to where they are) and turns relative links into
// plain text. README.md itself keeps them for readers of the sources.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isRelative = (link) => !/^[a-z][\w+.-]*:/i.test(link) && !link.startsWith('#');

let screenshots = 0;
const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n').flatMap((line) => {
  // A line that is only a relative image: gone; the first one leaves a note where the screenshots are.
  const image = /^!\[[^\]]*\]\(([^)\s]+)\)\s*$/.exec(line);
  if (image && isRelative(image[1])) {
    return screenshots++ === 0 ? ['_Screenshots of the debugger and its panel are in the sources, under `media/screenshots/`._'] : [];
  }
  return [line.replace(/(!?)\[([^\]]*)\]\(([^)\s]+)\)/g, (all, bang, text, link) => {
    if (!isRelative(link)) return all;
    if (bang) throw new Error(`README.md: an image inside a line cannot be packaged: ${all}`);
    return text;
  })];
});
const text = lines.join('\n').replace(/\n{3,}/g, '\n\n');
if (/<img\b/i.test(text)) throw new Error('README.md: <img> tags cannot be packaged without an https URL');
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'README.md'), text);
