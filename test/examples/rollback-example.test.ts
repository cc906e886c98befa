import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { createTestDatabase, type TestDatabase } from '../helpers/dialects.js';

describe('examples/rollback.ts', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('runs as the README says', async () => {
    db = await createTestDatabase('sqlite');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../examples/rollback.ts'), db.url],
      { timeout: 30_000 },
    );
    expect(stdout.trim().split('\n')).toEqual([
      'booked flight',
      'booked hotel',
      'booked payment',
      'snapshots: payment, hotel, flight',
      'cancelled payment-1',
      'cancelled hotel-1',
      'booked hotel',
      'booked payment',
      'events: rollback_started, compensation_completed, compensation_completed, rollback_completed',
      'run completed',
    ]);
  });
});
