'use strict';
// Wrong on purpose: jobs are taken from a channel, which keeps nothing: a job
// published while no worker is subscribed is lost.
const { createClient } = require('redis');
const { buildReport } = require('./report.js');

const resultKey = (id) => `report:${id}`;

async function main() {
  const redis = createClient({ url: process.env.REDIS_URL });
  await redis.connect();
  const sub = redis.duplicate();
  await sub.connect();
  await sub.subscribe('reports', async (message) => {
    const job = JSON.parse(message);
    const report = buildReport(job);
    await redis.hSet(resultKey(job.id), { status: 'done', report: JSON.stringify(report) });
  });
}

main();
