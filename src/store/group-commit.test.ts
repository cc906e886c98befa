import { describe, expect, it } from 'vitest';

import { GroupCommit, type Settled } from './group-commit.js';

describe('GroupCommit', () => {
  it('commits the calls of one turn together and those that come during a commit in the next', async () => {
    const commits: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number, number>(async (units) => {
      commits.push([...units]);
      if (commits.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return units.map((unit): Settled<number> => ({ status: 'fulfilled', value: unit * 10 }));
    });
    const first = [group.submit(1), group.submit(2)];
    await new Promise((resolve) => setImmediate(resolve));
    const later = [group.submit(3), group.submit(4), group.submit(5)];
    release();
    expect(await Promise.all([...first, ...later])).toEqual([10, 20, 30, 40, 50]);
    expect(commits).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('fails one unit alone, and every unit when the commit fails', async () => {
    let failCommit = false;
    const group = new GroupCommit<number, number>((units) => {
      if (failCommit) return Promise.reject(new Error('disk full'));
      return Promise.resolve(
        units.map((unit): Settled<number> =>
          unit === 2
            ? { status: 'rejected', reason: new Error('not pending') }
            : { status: 'fulfilled', value: unit },
        ),
      );
    });
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2), group.submit(3)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    failCommit = true;
    await expect(Promise.all([group.submit(4), group.submit(5)])).rejects.toThrow('disk full');
  });

  it('answers the units of a commit once it is durable, and starts the next commit meanwhile', async () => {
    const commits: number[][] = [];
    const syncs: (() => void)[] = [];
    const group = new GroupCommit<number, number>(
      (units) => {
        commits.push([...units]);
        return Promise.resolve(
          units.map((unit): Settled<number> => ({ status: 'fulfilled', value: unit })),
        );
      },
      { durable: () => new Promise<void>((resolve) => syncs.push(resolve)) },
    );
    const answered: number[] = [];
    const first = group.submit(1).then((value) => answered.push(value));
    await new Promise((resolve) => setImmediate(resolve));
    const second = group.submit(2).then((value) => answered.push(value));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // Both committed, neither answered: their syncs have not finished.
    expect(commits).toEqual([[1], [2]]);
    expect(answered).toEqual([]);
    syncs[0]!();
    await first;
    expect(answered).toEqual([1]);
    syncs[1]!();
    await second;
    expect(answered).toEqual([1, 2]);
  });

  it('keeps one transaction to maxUnits', async () => {
    const sizes: number[] = [];
    const group = new GroupCommit<number, number>(
      (units) => {
        sizes.push(units.length);
        return Promise.resolve(
          units.map((unit): Settled<number> => ({ status: 'fulfilled', value: unit })),
        );
      },
      { maxUnits: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((unit) => group.submit(unit)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
