/** A bar chart that is a table: each row's number beside its bar, so it reads the same to every user. */
export function BarTable({
  caption,
  rows,
  unit = '',
}: {
  caption: string;
  rows: readonly { label: string; value: number }[];
  unit?: string;
}) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  return (
    <table className="bar-table">
      <caption>{caption}</caption>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td className="bar-value">
              {row.value}
              {unit}
            </td>
            <td className="bar-cell" aria-hidden="true">
              <span className="bar" style={{ width: `${(row.value / max) * 100}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
