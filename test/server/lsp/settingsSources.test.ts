/** Settings from initializationOptions, didChangeConfiguration and workspace/configuration, in any shape clients use. */
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS } from '../../../contracts/src/lsp';
import { SettingsChannels, settingsSection } from '../../../server/src/lsp/settingsSources';

describe('lsp settings: every channel', () => {
  it('finds the metacurate section in the shapes clients send', () => {
    const section = { t: 5, textField: 'desc' };
    // Neovim's init_options and settings, Helix's config, VS Code's synchronize.configurationSection.
    assert.deepEqual(settingsSection({ settings: { metacurate: section } }), section);
    assert.deepEqual(settingsSection({ metacurate: section }), section);
    // The project's own initializationOptions: { settings: { t, ... } }.
    assert.deepEqual(settingsSection({ settings: section }), section);
    assert.deepEqual(settingsSection(section), section);
    // Dotted keys, as some clients flatten them.
    assert.deepEqual(
      settingsSection({ 'metacurate.t': 5, 'metacurate.textField': 'desc', 'other.x': 1 }),
      section,
    );
    for (const none of [null, undefined, [], 'x', {}, { settings: null }, { python: { path: 'x' } }])
      assert.equal(settingsSection(none), undefined, JSON.stringify(none));
  });

  it('lets a later channel override an earlier one key by key, and ignores ill-typed values', () => {
    const channels = new SettingsChannels();
    channels.setInitial({ settings: { metacurate: { t: 5, textField: 'desc', padding: 'worldwide' } } });
    assert.deepEqual(channels.effective, {
      ...DEFAULT_SETTINGS,
      t: 5,
      textField: 'desc',
      padding: 'worldwide',
    });
    channels.setPushed({ metacurate: { t: 7, samplesFolder: 'data', sampleGlobs: 'not a list' } });
    assert.deepEqual(channels.effective, {
      ...DEFAULT_SETTINGS,
      t: 7,
      textField: 'desc',
      padding: 'worldwide',
      samplesFolder: 'data',
    });
    // VS Code pushes settings: null and is asked instead: the last push still counts.
    channels.setPushed(null);
    channels.setPulled({ t: 9, padding: 'nonsense' });
    assert.deepEqual(channels.effective, {
      ...DEFAULT_SETTINGS,
      t: 9,
      textField: 'desc',
      padding: 'worldwide',
      samplesFolder: 'data',
    });
    // A client with nothing for the section answers null.
    channels.setPulled(null);
    assert.equal(channels.effective.t, 7);
  });
});
