// Every changeset must keep the front matter `changeset version` parses: a line
// `---`, one `"@vmem/NAME": major|minor|patch` line per package, a line `---`.
// (A markdown formatter once turned such a block into a `## ...` heading, which
// `changeset version` rejects; lint runs this so that cannot land again.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../.changeset/', import.meta.url));
const frontMatter = /^---\n(?:"@vmem\/[a-z0-9_-]+": (?:major|minor|patch)\n)+---\n\n\S/;
let bad = 0;
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith('.md') || name === 'README.md') continue;
  const text = readFileSync(join(dir, name), 'utf8');
  if (!frontMatter.test(text)) {
    console.error(
      `.changeset/${name}: front matter is not ---, "@vmem/pkg": bump lines, ---, a blank line, the summary`,
    );
    bad++;
  }
}
if (bad > 0) process.exit(1);
