/**
 * A context registers its reactors as values before the app exists, while their reactions need the
 * app's services. The reactors therefore call through a binding, which the context's service fills
 * when its module initialises; the projection runner starts only after that. One app per process: a
 * second app started in the same process rebinds the reactors to its own service.
 */
export class ReactionBinding<T> {
  private target: T | null = null;

  /** `context` names the context in the error of a reactor that runs before its module initialised. */
  constructor(private readonly context: string) {}

  bind(target: T): void {
    this.target = target;
  }

  get current(): T {
    if (!this.target) throw new Error(`${this.context} reactors ran before the ${this.context} module was initialised`);
    return this.target;
  }
}
