import type { Tracer } from '@opentelemetry/api';
import { VideoCustody } from '../animations/custody/video-custody.js';
import type { VideoFile } from '../domain/animation.js';
import type { CreationLinks } from './creation-links.js';
import { inSpan } from './spans.js';

type CustodyDeps = ConstructorParameters<typeof VideoCustody>[0];

/**
 * VideoCustody with a `media.copy` span around the custody of one result (its download
 * from fal, its write to the media store, its retries, and recording it), in its own trace
 * linked to the request that created the animation.
 */
export class TracedVideoCustody extends VideoCustody {
  constructor(
    deps: CustodyDeps,
    private readonly tracer: Tracer,
    private readonly links: CreationLinks,
    /** Whether fal's URL of the video may be recorded. */
    private readonly sensitive: boolean,
  ) {
    super(deps);
  }

  override keep(animationId: string, video: VideoFile, signal: AbortSignal): Promise<void> {
    return inSpan(this.tracer, 'media.copy', { links: this.links.linksOf(animationId), background: true }, (span) => {
      span.setAttribute('animation.id', animationId);
      if (this.sensitive) span.setAttribute('url.full', video.url);
      return super.keep(animationId, video, signal);
    });
  }
}
