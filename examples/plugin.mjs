// A Flowgate plugin for the examples: plain async functions `(input, ctx) => result`, deterministic and
// offline, so the example DAGs run anywhere. Load it with `--plugin examples/plugin.mjs`.

const SAMPLE_RECORDS = [
  { id: 'r1', amount: 120 },
  { id: 'r2', amount: 75 },
  { id: 'r3', amount: 305 },
];

// Fixed quotes keep runs reproducible; a real tool would call a market data API here.
const QUOTES = { AAPL: 189.5, MSFT: 412.25, GOOG: 151.75 };

/** Gathers the records to work on. */
async function data_collector(input) {
  const limit = typeof input?.limit === 'number' ? input.limit : SAMPLE_RECORDS.length;
  const records = SAMPLE_RECORDS.slice(0, limit);
  return { count: records.length, records };
}

/** Totals the records it is given (`input.records`), or the sample when given none. */
async function data_processor(input) {
  const records = Array.isArray(input?.records) ? input.records : SAMPLE_RECORDS;
  const total = records.reduce((sum, record) => sum + (Number(record.amount) || 0), 0);
  return { processed: records.length, total };
}

/** Returns a fixed quote for a ticker symbol. */
async function get_stock_price(input) {
  const symbol = String(input?.symbol ?? '').toUpperCase();
  if (!(symbol in QUOTES)) throw new Error(`no quote for symbol "${symbol}"`);
  return { symbol, price: QUOTES[symbol], currency: 'USD' };
}

export default {
  agents: { data_collector, data_processor },
  tools: { get_stock_price },
};
