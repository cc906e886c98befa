/** Cron schedules of DAGs. */
import { z } from 'zod';

import { CATCHUP_VALUES, OVERLAP_VALUES } from '../../app/schedules.js';

const scheduleFields = {
  cron: z
    .string()
    .min(1)
    .max(200)
    .describe('5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first'),
  timezone: z.string().min(1).max(100).describe('An IANA time zone; UTC by default'),
  input: z.unknown().describe('The input of every run the schedule starts'),
  catchup: z
    .enum(CATCHUP_VALUES)
    .describe(
      'Occurrences missed while no scheduler ran: none (the default) drops them, latest starts the newest, ' +
        'all starts each (the newest maxCatchupRuns)',
    ),
  overlap: z
    .enum(OVERLAP_VALUES)
    .describe(
      "An occurrence due while the schedule's previous run is active: skip (the default; recorded with the " +
        'reason), buffer_one (one waits and starts when the run ends), allow',
    ),
  catchupWindowSeconds: z
    .number()
    .int()
    .min(1)
    .max(366 * 86_400)
    .describe('How far back missed occurrences are looked for (default 86400)'),
  maxCatchupRuns: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .describe('The cap of catchup: all (default 10)'),
  paused: z.boolean().describe('Paused schedules start nothing; resuming counts from then on'),
};

export const CreateScheduleBody = z.strictObject({
  ...scheduleFields,
  timezone: scheduleFields.timezone.optional(),
  input: scheduleFields.input.optional(),
  catchup: scheduleFields.catchup.optional(),
  overlap: scheduleFields.overlap.optional(),
  catchupWindowSeconds: scheduleFields.catchupWindowSeconds.optional(),
  maxCatchupRuns: scheduleFields.maxCatchupRuns.optional(),
  paused: scheduleFields.paused.optional(),
});

export const UpdateScheduleBody = z
  .strictObject({
    cron: scheduleFields.cron.optional(),
    timezone: scheduleFields.timezone.optional(),
    input: scheduleFields.input.optional(),
    catchup: scheduleFields.catchup.optional(),
    overlap: scheduleFields.overlap.optional(),
    catchupWindowSeconds: scheduleFields.catchupWindowSeconds.optional(),
    maxCatchupRuns: scheduleFields.maxCatchupRuns.optional(),
    paused: scheduleFields.paused.optional(),
  })
  .describe('The fields to change; `{paused: true}` pauses, `{paused: false}` resumes');

export const Schedule = z.object({
  id: z.string(),
  dagId: z.string(),
  cron: z.string(),
  timezone: z.string(),
  input: z.unknown(),
  catchup: z.string(),
  catchupWindowSeconds: z.number().int(),
  maxCatchupRuns: z.number().int(),
  overlap: z.string(),
  paused: z.boolean(),
  nextFireAt: z.string().nullable().describe('The next occurrence; null while paused'),
  lastScheduledFor: z.string().nullable(),
  lastWorkflowId: z.string().nullable(),
  bufferedFor: z.string().nullable().describe('The occurrence buffer_one holds back'),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ScheduleListQuery = z.object({
  dagId: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(1000).optional(),
});

export const ScheduleList = z.object({
  items: z.array(Schedule),
  nextCursor: z.string().nullable(),
});

export const ScheduleFire = z.object({
  scheduledFor: z.string(),
  outcome: z.string().describe('started, skipped or buffered'),
  reason: z.string().nullable(),
  workflowId: z.string().nullable(),
  createdAt: z.string(),
});

export const ScheduleHistory = z.object({ items: z.array(ScheduleFire) });
