/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Among one owner's animations waiting for a slot at fal, LOW ones go after every NORMAL one; sent to fal as its `low` queue priority. */
export type AnimationPriority =
  | 'LOW'
  | 'NORMAL';

/** The output resolution; fal's values are "480p" and "720p". */
export type AnimationResolution =
  | 'RESOLUTION_480P'
  | 'RESOLUTION_720P';

/** Where an animation stands. SUBMITTING: accepted by the gateway, not yet acknowledged by fal. IN_QUEUE / IN_PROGRESS mirror fal's queue. COMPLETED: the video is ready. FAILED: fal or the gateway gave up (see `error`). CANCELLED: cancelled by its owner. The last three are terminal: nothing changes after them. */
export type AnimationStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'IN_PROGRESS'
  | 'IN_QUEUE'
  | 'SUBMITTING';

export type CreateAnimationInput = {
  /** default 1.5 */
  cfgScale?: number | null | undefined;
  /** the same key from the same owner returns the same animation and submits nothing new */
  idempotencyKey?: string | null | undefined;
  image?: File | null | undefined;
  /** https URL or data: URI of the reference image; give this or `image` */
  imageUrl?: string | null | undefined;
  /** fal's default applies when omitted */
  negativePrompt?: string | null | undefined;
  /** default 30 */
  numInferenceSteps?: number | null | undefined;
  /** default NORMAL */
  priority?: AnimationPriority | null | undefined;
  prompt: string;
  /** default RESOLUTION_480P */
  resolution?: AnimationResolution | null | undefined;
  seed?: number | null | undefined;
  /** seconds (1..86400) from creation by which fal must have started it; held past it, or not started by fal in time, it ends FAILED with TIMED_OUT */
  startTimeout?: number | null | undefined;
  video?: File | null | undefined;
  /** https URL or data: URI of the driving video; give this or `video` */
  videoUrl?: string | null | undefined;
  /** https URL the gateway POSTs the animation to (signed, Standard Webhooks) once it is finished */
  webhookUrl?: string | null | undefined;
};

export type StudioAnimationFragment = { id: string, status: AnimationStatus, prompt: string, requestId: string | null, queuePosition: number | null, priority: AnimationPriority, progress: number | null, inferenceSeconds: number | null, upstreamError: string | null, createdAt: string, video: { url: string, contentType: string | null, fileName: string | null } | null, error: { code: string, message: string } | null };

export type CreateAnimationMutationVariables = Exact<{
  input: CreateAnimationInput;
}>;


export type CreateAnimationMutation = { createAnimation: { id: string, status: AnimationStatus, prompt: string, requestId: string | null, queuePosition: number | null, priority: AnimationPriority, progress: number | null, inferenceSeconds: number | null, upstreamError: string | null, createdAt: string, video: { url: string, contentType: string | null, fileName: string | null } | null, error: { code: string, message: string } | null } };

export type CancelAnimationMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelAnimationMutation = { cancelAnimation: { id: string, status: AnimationStatus, prompt: string, requestId: string | null, queuePosition: number | null, priority: AnimationPriority, progress: number | null, inferenceSeconds: number | null, upstreamError: string | null, createdAt: string, video: { url: string, contentType: string | null, fileName: string | null } | null, error: { code: string, message: string } | null } };

export type DeleteAnimationMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteAnimationMutation = { deleteAnimation: { deletedId: string } };

export type HistoryQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type HistoryQuery = { animations: { edges: Array<{ node: { id: string, status: AnimationStatus, prompt: string, requestId: string | null, queuePosition: number | null, priority: AnimationPriority, progress: number | null, inferenceSeconds: number | null, upstreamError: string | null, createdAt: string, video: { url: string, contentType: string | null, fileName: string | null } | null, error: { code: string, message: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AnimationProgressSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type AnimationProgressSubscription = { animationProgress: { newLogs: Array<{ timestamp: string, level: string, message: string }>, animation: { id: string, status: AnimationStatus, prompt: string, requestId: string | null, queuePosition: number | null, priority: AnimationPriority, progress: number | null, inferenceSeconds: number | null, upstreamError: string | null, createdAt: string, video: { url: string, contentType: string | null, fileName: string | null } | null, error: { code: string, message: string } | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const StudioAnimationFragmentDoc = new TypedDocumentString(`
    fragment StudioAnimation on Animation {
  id
  status
  prompt
  requestId
  queuePosition
  priority
  progress
  inferenceSeconds
  upstreamError
  createdAt
  video {
    url
    contentType
    fileName
  }
  error {
    code
    message
  }
}
    `, {"fragmentName":"StudioAnimation"}) as unknown as TypedDocumentString<StudioAnimationFragment, unknown>;
export const CreateAnimationDocument = new TypedDocumentString(`
    mutation CreateAnimation($input: CreateAnimationInput!) {
  createAnimation(input: $input) {
    ...StudioAnimation
  }
}
    fragment StudioAnimation on Animation {
  id
  status
  prompt
  requestId
  queuePosition
  priority
  progress
  inferenceSeconds
  upstreamError
  createdAt
  video {
    url
    contentType
    fileName
  }
  error {
    code
    message
  }
}`, {"hash":"sha256:92025aede1c88f79edbff09a79095332bc15f2717bcd7ff0e1308a3537680500"}) as unknown as TypedDocumentString<CreateAnimationMutation, CreateAnimationMutationVariables>;
export const CancelAnimationDocument = new TypedDocumentString(`
    mutation CancelAnimation($id: ID!) {
  cancelAnimation(id: $id) {
    ...StudioAnimation
  }
}
    fragment StudioAnimation on Animation {
  id
  status
  prompt
  requestId
  queuePosition
  priority
  progress
  inferenceSeconds
  upstreamError
  createdAt
  video {
    url
    contentType
    fileName
  }
  error {
    code
    message
  }
}`, {"hash":"sha256:59f65f1fb860958ef63ecbc6df09d5a965564ee6a9b8872cd6060057f4efc413"}) as unknown as TypedDocumentString<CancelAnimationMutation, CancelAnimationMutationVariables>;
export const DeleteAnimationDocument = new TypedDocumentString(`
    mutation DeleteAnimation($id: ID!) {
  deleteAnimation(id: $id) {
    deletedId
  }
}
    `, {"hash":"sha256:58194999fdc6ae411a2fb1f4824519743650dcbcb4e1788e4d8dd0bff6d84a46"}) as unknown as TypedDocumentString<DeleteAnimationMutation, DeleteAnimationMutationVariables>;
export const HistoryDocument = new TypedDocumentString(`
    query History($first: Int, $after: String) {
  animations(first: $first, after: $after) {
    edges {
      node {
        ...StudioAnimation
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment StudioAnimation on Animation {
  id
  status
  prompt
  requestId
  queuePosition
  priority
  progress
  inferenceSeconds
  upstreamError
  createdAt
  video {
    url
    contentType
    fileName
  }
  error {
    code
    message
  }
}`, {"hash":"sha256:f3d922431b5f647d4d596c93269e66ccfae0113d98355c9ab1bac4bb1054ebce"}) as unknown as TypedDocumentString<HistoryQuery, HistoryQueryVariables>;
export const AnimationProgressDocument = new TypedDocumentString(`
    subscription AnimationProgress($id: ID!) {
  animationProgress(id: $id) {
    newLogs {
      timestamp
      level
      message
    }
    animation {
      ...StudioAnimation
    }
  }
}
    fragment StudioAnimation on Animation {
  id
  status
  prompt
  requestId
  queuePosition
  priority
  progress
  inferenceSeconds
  upstreamError
  createdAt
  video {
    url
    contentType
    fileName
  }
  error {
    code
    message
  }
}`, {"hash":"sha256:218c50c653e299b5fe7f101718e94f448185a584656f27653147d1701fe6e53f"}) as unknown as TypedDocumentString<AnimationProgressSubscription, AnimationProgressSubscriptionVariables>;