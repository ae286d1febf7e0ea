import { parseFactPath, readPath } from '../../../src/modules/campaigns/rules/fact-path';

describe('parseFactPath', () => {
  it.each([
    ['$.email', ['email']],
    ['$.contact.channel', ['contact', 'channel']],
    ['$.last_30d', ['last_30d']],
  ])('reads %s', (path, keys) => {
    expect(parseFactPath(path)).toEqual(keys);
  });

  it.each(['email', '$', '$.', '$..email', '$.a..b', '$[0]', "$['a']", '$.*', '$.a-b', '$.0'])(
    'refuses %s',
    (path) => {
      expect(parseFactPath(path)).toBeUndefined();
    },
  );
});

describe('readPath', () => {
  it('follows own keys', () => {
    expect(readPath({ contact: { channel: 'cellular' } }, ['contact', 'channel'])).toBe('cellular');
  });

  it.each([
    ['a number', 5],
    ['null', null],
    ['undefined', undefined],
    ['text', 'abc'],
  ])('returns %s as it is, like the engine does for a value that is not an object', (_l, value) => {
    expect(readPath(value, ['a'])).toBe(value);
  });

  it.each<[string, unknown, string[], unknown]>([
    ['a missing key', { a: 1 }, ['b'], undefined],
    ['an inherited key', {}, ['toString'], undefined],
    ['a key below a falsy value', { a: 0 }, ['a', 'b'], undefined],
    ['a key below a number', { a: 5 }, ['a', 'b'], undefined],
    ['own properties of text', { a: 'text' }, ['a', 'length'], 4],
    ['the length of an array', [1, 2], ['length'], 2],
    ['null at the end', { a: null }, ['a'], null],
  ])('reads %s', (_label, value, keys, expected) => {
    expect(readPath(value, keys)).toBe(expected);
  });
});
