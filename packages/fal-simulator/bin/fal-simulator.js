#!/usr/bin/env node
// The `fal-simulator` command. npm links bins when it installs, before dist/ is built, and skips a
// bin whose file is missing; so the bin is this committed file, which runs the compiled CLI.
const cli = new URL('../dist/cli.js', import.meta.url);
try {
  await import(cli.href);
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(cli.pathname)) {
    console.error('fal-simulator: not built yet; run `npm run build -w @uni-animate/fal-simulator` first');
    process.exit(1);
  }
  throw error;
}
