import { defineConfig } from 'vite';

/**
 * The studio page. `npm run build:web` (`vite build web`) writes web/dist, which the gateway
 * serves at `/`. `npx vite web` serves it with hot reload instead, forwarding GraphQL
 * (HTTP and WebSocket) to a gateway started with `npm run dev`.
 */
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } } },
});
