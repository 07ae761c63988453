/**
 * A uniform random sample of fixed size over a stream of unknown length (Vitter's algorithm R):
 * the gate's sample is drawn during the scan without holding the type.
 */
export class Reservoir<T> {
  readonly #items: T[] = [];
  #seen = 0;

  constructor(
    private readonly size: number,
    private readonly random: () => number,
  ) {}

  offer(item: T): void {
    this.#seen++;
    if (this.#items.length < this.size) {
      this.#items.push(item);
      return;
    }
    const slot = Math.floor(this.random() * this.#seen);
    if (slot < this.size) this.#items[slot] = item;
  }

  items(): T[] {
    return [...this.#items];
  }
}
