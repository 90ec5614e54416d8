// `npm run build` (and so `npm start`) builds the studio page when web/dist is missing, so a
// fresh clone serves it; after changing the page, `npm run build:web` rebuilds it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (!existsSync(fileURLToPath(new URL('dist/index.html', import.meta.url)))) {
  const { build } = await import('vite');
  await build({
    root: fileURLToPath(new URL('.', import.meta.url)),
    configFile: fileURLToPath(new URL('vite.config.ts', import.meta.url)),
  });
}
