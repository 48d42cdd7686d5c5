/**
 * The t control: the log slider (integer steps, threshold.ts) and the number box, which always
 * show the same t, and beside them why a typed t was refused (it is not sent).
 */
import type { PanelAction, PanelViewState } from '../state';
import { parseT } from '../threshold';
import { byId, type ValueElement } from './layout';

type TextField = ValueElement & { invalid: boolean };

export class ThresholdControl {
  private readonly slider = byId<HTMLInputElement>('t-slider');
  private readonly box = byId<TextField>('t-input');
  private readonly error = byId('t-error');

  constructor(dispatch: (action: PanelAction) => void) {
    this.slider.addEventListener('input', () =>
      dispatch({ type: 'slide', position: Number(this.slider.value) }),
    );
    const typed = () => dispatch({ type: 'typeT', text: this.box.value });
    this.box.addEventListener('input', typed);
    this.box.addEventListener('change', typed);
  }

  /** Shows the state's t; the box's text only when `writeBox` (not while the user types in it). */
  render(state: PanelViewState, writeBox: boolean): void {
    const { scale } = state;
    this.slider.max = String(scale.maxPosition);
    if (state.saved.t > 0) this.slider.value = String(scale.toPosition(state.saved.t));
    if (writeBox && this.box.value !== state.tText) this.box.value = state.tText;
    // Red only for a refused text in the box (a refused t from the host leaves the box's valid t).
    this.box.invalid = !!state.tError && !parseT(state.tText).ok;
    this.error.textContent = state.tError ?? '';
    this.error.hidden = !state.tError;
  }
}
