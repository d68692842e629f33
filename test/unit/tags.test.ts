import { describe, expect, it } from 'vitest';
import type { TagFilter } from '../../src/model.js';
import { describeFilters, matchesTags, tagListToRecord } from '../../src/tags.js';

const f = (key: string, ...values: string[]): TagFilter => ({ key, values });

describe('matchesTags', () => {
  it.each([
    ['every filter matches (AND across keys)', { project: 'nova', env: 'dev' }, [f('project', 'nova'), f('env', 'dev')], true],
    ['one of two keys missing', { project: 'nova' }, [f('project', 'nova'), f('env', 'dev')], false],
    ['one of two keys with another value', { project: 'nova', env: 'prod' }, [f('project', 'nova'), f('env', 'dev')], false],
    ['any listed value matches (OR within values)', { env: 'dev' }, [f('env', 'prod', 'dev')], true],
    ['a value not listed', { env: 'test' }, [f('env', 'prod', 'dev')], false],
    ['key-only filter: any value', { project: 'anything' }, [f('project')], true],
    ['key-only filter: an empty value', { project: '' }, [f('project')], true],
    ['key-only filter: key absent', { other: 'nova' }, [f('project')], false],
    ['empty value matches only the empty value', { project: '' }, [f('project', '')], true],
    ['empty value does not match a value', { project: 'nova' }, [f('project', '')], false],
    ['keys are case-sensitive', { Project: 'nova' }, [f('project', 'nova')], false],
    ['values are case-sensitive', { project: 'Nova' }, [f('project', 'nova')], false],
    ['inherited properties are not tags', {}, [f('constructor')], false],
  ])('%s', (_name, tags, filters, expected) => {
    expect(matchesTags(tags, filters)).toBe(expected);
  });

  it('never matches with no filters at all, whatever the tags', () => {
    expect(matchesTags({}, [])).toBe(false);
    expect(matchesTags({ project: 'nova' }, [])).toBe(false);
  });
});

describe('tagListToRecord', () => {
  it('turns a Key/Value list into a record', () => {
    expect(tagListToRecord([{ Key: 'project', Value: 'nova' }, { Key: 'env', Value: 'dev' }])).toEqual({ project: 'nova', env: 'dev' });
  });

  it('keeps a missing value as the empty string and drops entries without a key', () => {
    expect(tagListToRecord([{ Key: 'flag' }, { Value: 'orphan' }])).toEqual({ flag: '' });
  });

  it('returns an empty record for no list', () => {
    expect(tagListToRecord(undefined)).toEqual({});
    expect(tagListToRecord([])).toEqual({});
  });
});

describe('describeFilters', () => {
  it.each([
    [[f('project', 'nova')], 'project=nova'],
    [[f('project', 'nova'), f('env', 'dev', 'prod')], 'project=nova AND env=dev|prod'],
    [[f('owner')], 'owner=*'],
    [[f('owner', '')], 'owner='],
  ])('%j → %s', (filters, text) => {
    expect(describeFilters(filters)).toBe(text);
  });
});
