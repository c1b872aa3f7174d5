import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/commands/options.js';
import { daemonConfigArg } from '../../../src/commands/run.js';

describe("the daemon's command line (recognised before yargs loads)", () => {
  it('takes exactly run, run --config FILE and run --config=FILE', () => {
    assert.equal(daemonConfigArg(['run']), DEFAULT_CONFIG);
    assert.equal(daemonConfigArg(['run', '--config', '/etc/x.toml']), '/etc/x.toml');
    assert.equal(daemonConfigArg(['run', '--config=/etc/x.toml']), '/etc/x.toml');
  });

  it('leaves everything else to yargs', () => {
    for (const argv of [
      [],
      ['emit'],
      ['run', '--help'],
      ['run', '--config'],
      ['run', '--config='],
      ['run', '--config', '--help'],
      ['run', '--config', 'a', 'b'],
      ['run', '--bogus'],
      ['--config', 'x', 'run'],
    ])
      assert.equal(daemonConfigArg(argv), undefined, argv.join(' '));
  });
});
