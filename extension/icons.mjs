// Draws the toolbar icon (a shield with a tick) as PNGs at build time, so no binary files are
// kept in git. Four-by-four supersampling is enough anti-aliasing at these sizes.

import { crc32, deflateSync } from 'node:zlib';

const PURPLE = [58, 42, 122];

function inShield(u, v) {
  if (v < 0.06 || v > 0.95) return false;
  const half = v < 0.55 ? 0.39 : 0.39 * (1 - (v - 0.55) / 0.4);
  return Math.abs(u - 0.5) < half;
}

function distToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function inTick(u, v) {
  const w = 0.065;
  return distToSegment(u, v, 0.31, 0.49, 0.45, 0.63) < w || distToSegment(u, v, 0.45, 0.63, 0.71, 0.33) < w;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

export function iconPng(size) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let x = 0; x < size; x++) {
      let shield = 0;
      let tick = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const u = (x + (sx + 0.5) / 4) / size;
          const v = (y + (sy + 0.5) / 4) / size;
          if (inShield(u, v)) {
            shield++;
            if (inTick(u, v)) tick++;
          }
        }
      }
      const a = shield / 16;
      const white = shield ? tick / shield : 0;
      const o = 1 + x * 4;
      for (let c = 0; c < 3; c++) row[o + c] = Math.round(PURPLE[c] * (1 - white) + 255 * white);
      row[o + 3] = Math.round(a * 255);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const ICON_SIZES = [16, 32, 48, 128];
