import { EffectRegistry } from '../../src/workflow/effects';
import { loadDefinitions } from '../../src/workflow/definitions/definition.loader';
import { defaultDefinitionsDir } from '../../src/workflow/definition-registry';

describe('effect registry', () => {
  const definitions = loadDefinitions(defaultDefinitionsDir()).all();
  const handler = async () => 'ok';

  it('refuses to start when a definition names an effect without a handler', () => {
    const effects = new EffectRegistry().register('disburse', handler);
    expect(() => effects.assertHandles(definitions)).toThrow(/expense-review v1 BOOK: effect book/);
  });

  it('accepts the effects every shipped definition uses', () => {
    const effects = new EffectRegistry();
    for (const name of ['disburse', 'book', 'reserveQuota', 'releaseQuota', 'recordHonour']) effects.register(name, handler);
    expect(() => effects.assertHandles(definitions)).not.toThrow();
  });

  it('refuses a second handler for one effect', () => {
    expect(() => new EffectRegistry().register('book', handler).register('book', handler)).toThrow(/registered twice/);
  });
});
