'use strict';
/**
 * A webhook receiver in its own process for the sync-run benchmark (so it does not share an event loop
 * with the runner it measures): accepts every POSTed batch, counts records, and answers GET /stats.
 * Prints its URL on stdout once listening.
 */
const http = require('node:http');
const { Buffer } = require('node:buffer');

let records = 0;
let requests = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ records, requests }));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    records += body.records.length;
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}/hook\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
