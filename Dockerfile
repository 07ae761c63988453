# syntax=docker/dockerfile:1
# The freshindex job image (rebuild, audit): `node dist/job.mjs <rebuild|audit> --type <type>`.
#
# `cdk deploy` builds it for linux/arm64 (AWS Batch on Fargate, Graviton); `cdk synth` never runs
# Docker, it only hashes and stages this directory. The build stage bundles
# .freshindex/job/entry.ts, which synth generates (lib/entries.ts: it imports the config file and
# lambdas/jobs/main.ts), into one ESM file; the runtime stage holds that file and nothing else.

# The bundle is plain JavaScript: build it on the builder's own platform, no emulation needed.
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# esbuild through its JS API and the image's own node: with --ignore-scripts the `node` devDependency
# leaves a broken node_modules/.bin/node, so no npx here.
RUN test -f .freshindex/job/entry.ts \
      || { echo 'missing .freshindex/job/entry.ts: run "npx cdk synth" first, it generates the job entry' >&2; exit 1; } \
 && node --input-type=module -e "import { build } from 'esbuild'; await build({ \
      entryPoints: ['.freshindex/job/entry.ts'], outfile: 'dist/job.mjs', bundle: true, platform: 'node', target: 'node24', \
      format: 'esm', mainFields: ['module', 'main'], minify: true, sourcemap: true, legalComments: 'none', \
      banner: { js: \"import { createRequire as __freshindexCreateRequire } from 'node:module'; const require = __freshindexCreateRequire(import.meta.url);\" } })"

FROM node:24-bookworm-slim
ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build /src/dist ./dist
USER node
CMD ["node", "dist/job.mjs", "--help"]
