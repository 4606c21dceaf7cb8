'use strict';
// buildReport is the slow job: it keeps the CPU busy for REPORT_MS
// milliseconds (default 1000), the way rendering a PDF or crunching a year of
// orders does, and returns the report. While it runs, nothing else runs in
// its process: no other request is answered.
//
// Leave this file as it is: the checks use their own copy. When REPORT_LOG
// names a file, every report built is written there, with the pid of the
// process that built it: that is how the checks see who did the work.
const fs = require('node:fs');

function buildReport(job) {
  const until = Date.now() + Number(process.env.REPORT_MS ?? 1000);
  let rounds = 0;
  while (Date.now() < until) rounds++; // busy on purpose
  const report = { id: job.id, customer: job.customer, total: totalFor(job.customer), builtBy: process.pid };
  if (process.env.REPORT_LOG) {
    fs.appendFileSync(process.env.REPORT_LOG, JSON.stringify({ id: job.id, total: report.total, pid: process.pid, at: Date.now() }) + '\n');
  }
  return report;
}

// totalFor makes up a total, the same for the same customer.
function totalFor(customer) {
  let total = 0;
  for (const ch of String(customer)) total = (total * 31 + ch.codePointAt(0)) % 1_000_000;
  return total;
}

module.exports = { buildReport };
