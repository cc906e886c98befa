import type { RunDay } from '../api/client';

const FINISHED_BADLY = new Set(['failed', 'cancelled']);

/** Runs started per day, stacked by how they stand now: a table whose rows carry their numbers and a bar. */
export function RunTimeline({ days }: { days: readonly RunDay[] }) {
  const max = Math.max(1, ...days.map((day) => day.total));
  const label = new Intl.DateTimeFormat(undefined, {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
  return (
    <table className="bar-table run-timeline">
      <caption>Runs started per day (UTC), by their status now</caption>
      <thead>
        <tr>
          <th scope="col">Day</th>
          <th scope="col">Started</th>
          <th scope="col">Completed</th>
          <th scope="col">Failed or cancelled</th>
          <th scope="col">Open</th>
          <th scope="col">
            <span className="visually-hidden">Chart</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {days.map((day) => {
          const completed = day.byStatus.completed ?? 0;
          const failed = Object.entries(day.byStatus)
            .filter(([status]) => FINISHED_BADLY.has(status))
            .reduce((sum, [, count]) => sum + count, 0);
          const open = day.total - completed - failed;
          const width = (count: number) => `${(count / max) * 100}%`;
          return (
            <tr key={day.day} data-day={day.day}>
              <th scope="row">{label.format(new Date(`${day.day}T00:00:00Z`))}</th>
              <td className="bar-value">{day.total}</td>
              <td className="bar-value">{completed}</td>
              <td className="bar-value">{failed}</td>
              <td className="bar-value">{open}</td>
              <td className="bar-cell" aria-hidden="true">
                <span className="bar bar-ok" style={{ width: width(completed) }} />
                <span className="bar bar-danger" style={{ width: width(failed) }} />
                <span className="bar bar-open" style={{ width: width(open) }} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
