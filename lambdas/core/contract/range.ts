import type { NumericFeature } from './contract.ts';

/** The valid range of a numeric feature, and how a value outside it is reported everywhere. */

/** True when `value` lies in the feature's valid range, ends included. */
export function inRange(feature: NumericFeature, value: number): boolean {
  return value >= feature.min && value <= feature.max;
}

/** `torque_nm = 412 is outside its valid range 0…200 Nm` */
export function outOfRange(feature: NumericFeature, value: number): string {
  return `${feature.name} = ${value} is outside its valid range ${validRange(feature)}`;
}

/** `0…200 Nm` */
export function validRange(feature: NumericFeature): string {
  return `${feature.min}…${feature.max}${feature.unit === '' ? '' : ` ${feature.unit}`}`;
}
