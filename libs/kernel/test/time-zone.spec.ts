import { isTimeZone } from '#kernel';

describe('isTimeZone', () => {
  it('knows IANA zones and refuses names the tz database lacks, the same answer every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(isTimeZone('Asia/Shanghai')).toBe(true);
      expect(isTimeZone('America/New_York')).toBe(true);
      expect(isTimeZone('UTC')).toBe(true);
      expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
      expect(isTimeZone('string')).toBe(false);
    }
  });
});
