'use strict';
// A worker: it takes report jobs from the queue in Redis, builds each with
// buildReport, and stores the result where GET /reports/:id finds it. Run as
// many as you like next to the server:
//
//   REDIS_URL=redis://127.0.0.1:6379 node worker.js
const { createClient } = require('redis');
const { buildReport } = require('./report.js');

const QUEUE = 'reports:queue';
const resultKey = (id) => `report:${id}`;

async function main() {
  const redis = createClient({ url: process.env.REDIS_URL });
  redis.on('error', (err) => console.error('redis:', err.message));
  await redis.connect();
  console.log(`worker ${process.pid}: waiting for jobs`);
  for (;;) {
    // BRPOP waits until a job is there and takes it out of the list: with
    // several workers, each job goes to exactly one of them. The oldest job
    // comes first (LPUSH adds on the left, BRPOP takes from the right).
    const { element } = await redis.brPop(QUEUE, 0);
    const job = JSON.parse(element);
    await redis.hSet(resultKey(job.id), 'status', 'working');
    const report = buildReport(job);
    await redis.hSet(resultKey(job.id), { status: 'done', report: JSON.stringify(report) });
    console.log(`worker ${process.pid}: built report ${job.id}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
