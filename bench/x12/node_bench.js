// node-x12 side of the X12 benchmark. Usage:
//   node node_bench.js NODE_PREFIX FILE parse   whole-document X12Parser(true).parse(string)
//   node node_bench.js NODE_PREFIX FILE stream  X12Parser as a Transform over a file read stream
// Prints one JSON line: mode, bytes, seconds, MB/s, segments or sets, peak RSS (KiB).
'use strict'
const fs = require('fs')
const path = require('path')

const [prefix, file, mode] = process.argv.slice(2)
const { X12Parser } = require(path.join(prefix, 'node_modules', 'node-x12'))
const bytes = fs.statSync(file).size

function report (extra, seconds) {
  const out = Object.assign({ mode: 'node-x12 ' + mode, bytes, seconds: +seconds.toFixed(4),
    mb_per_s: +(bytes / 1e6 / seconds).toFixed(2),
    max_rss_kb: process.resourceUsage().maxRSS }, extra)
  console.log(JSON.stringify(out))
}

if (mode === 'parse') {
  const edi = fs.readFileSync(file, 'utf8')
  const t0 = process.hrtime.bigint()
  const interchange = new X12Parser(true).parse(edi)
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const interchanges = interchange.interchanges || [interchange]
  let sets = 0
  for (const ic of interchanges) {
    for (const g of ic.functionalGroups) sets += g.transactions.length
  }
  report({ sets }, seconds)
} else if (mode === 'stream') {
  const t0 = process.hrtime.bigint()
  let segments = 0
  fs.createReadStream(file)
    .pipe(new X12Parser())
    .on('data', () => { segments++ })
    .on('end', () => report({ segments }, Number(process.hrtime.bigint() - t0) / 1e9))
    .on('error', e => { console.error(e); process.exit(2) })
} else {
  console.error('mode must be parse or stream')
  process.exit(2)
}
