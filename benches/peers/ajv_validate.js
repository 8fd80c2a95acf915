// Ajv (draft 2020-12) in Node, one record a line.
//
// Usage: node ajv_validate.js NODE_MODULES SCHEMA FILE. Reads FILE in 16 MiB blocks, cuts lines
// at '\n', JSON.parse()s each, checks the envelope (an object with a `modelInput` object and a
// string `recordId` when present) and the body against SCHEMA with a compiled Ajv validator.
// Prints "<records> invalid <bodies that failed>"; exits 1 at the first line that is not JSON.
"use strict";
const fs = require("fs");
const path = require("path");
const [modules, schemaPath, file] = process.argv.slice(2);
const Ajv2020 = require(path.join(path.resolve(modules), "ajv", "dist", "2020")).default;
const ajv = new Ajv2020({ strict: false, allErrors: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, "utf8")));

let n = 0;
let bad = 0;
let lineno = 0;
function line(buf, start, end) {
  lineno++;
  const text = buf.toString("utf8", start, end);
  if (text.trim() === "") return;
  let rec;
  try {
    rec = JSON.parse(text);
  } catch (e) {
    console.error(`line ${lineno}: ${e.message}`);
    process.exit(1);
  }
  const body = rec !== null && typeof rec === "object" && !Array.isArray(rec) ? rec.modelInput : undefined;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    console.error(`line ${lineno}: not an object with a modelInput object`);
    process.exit(1);
  }
  if (rec.recordId !== undefined && typeof rec.recordId !== "string") {
    console.error(`line ${lineno}: recordId is not a string`);
    process.exit(1);
  }
  n++;
  if (!validate(body)) bad++;
}

const fd = fs.openSync(file, "r");
let carry = Buffer.alloc(0);
const block = Buffer.alloc(16 << 20);
for (;;) {
  const got = fs.readSync(fd, block, 0, block.length, null);
  if (got === 0) break;
  const buf = carry.length ? Buffer.concat([carry, block.subarray(0, got)]) : block.subarray(0, got);
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
    line(buf, start, nl);
    start = nl + 1;
  }
  carry = Buffer.from(buf.subarray(start));
}
if (carry.length) line(carry, 0, carry.length);
console.log(`${n} invalid ${bad}`);
