// Builds dist/peil.js: esbuild minifies src/peil.js into one IIFE, then the raw, gzip -9
// and brotli sizes are printed. Fails when the gzip size exceeds the 3,072-byte budget.
//   node build.mjs                 writes dist/peil.js (commit it)
//   node build.mjs --out FILE      writes FILE instead (the build test compares the two)
// The output is deterministic: same source and esbuild version, same bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const BUDGET = 3072
const here = dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2)
const at = argv.indexOf('--out')
const out = at >= 0 ? resolve(argv[at + 1]) : join(here, 'dist', 'peil.js')
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'))

const result = await build({
  entryPoints: [join(here, 'src', 'peil.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2019',
  charset: 'utf8',
  legalComments: 'inline',
  define: { __VERSION__: JSON.stringify(pkg.version) },
  write: false,
  logLevel: 'warning',
})
const code = result.outputFiles[0].contents
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, code)

const gzip = gzipSync(code, { level: 9 }).length
const brotli = brotliCompressSync(code, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length },
}).length
console.log(
  `${out}: raw ${code.length} B, gzip -9 ${gzip} B, brotli ${brotli} B (budget: gzip <= ${BUDGET} B)`
)
if (gzip > BUDGET) {
  console.error(`peil.js is over the size budget by ${gzip - BUDGET} B (gzip -9)`)
  process.exit(1)
}
