/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment AnimationFields on Animation {\n  id\n  requestId\n  status\n  queuePosition\n  progress\n  prompt\n  negativePrompt\n  imageUrl\n  videoUrl\n  resolution\n  seed\n  numInferenceSteps\n  cfgScale\n  upstreamError\n  logs {\n    message\n    level\n    timestamp\n  }\n  video {\n    url\n    contentType\n    fileName\n    fileSize\n    expiresAt\n  }\n  error {\n    code\n    message\n  }\n  createdAt\n  updatedAt\n  completedAt\n}\n\nmutation CreateAnimation($input: CreateAnimationInput!) {\n  createAnimation(input: $input) {\n    ...AnimationFields\n  }\n}\n\nmutation CancelAnimation($id: ID!) {\n  cancelAnimation(id: $id) {\n    ...AnimationFields\n  }\n}\n\nmutation DeleteAnimation($id: ID!) {\n  deleteAnimation(id: $id) {\n    deletedId\n  }\n}\n\nquery Animation($id: ID!) {\n  animation(id: $id) {\n    ...AnimationFields\n    webhookUrl\n    webhookDeliveries {\n      attempt\n      statusCode\n      succeeded\n      error\n      at\n    }\n    statusHistory {\n      status\n      at\n    }\n  }\n}\n\nquery Node($id: ID!) {\n  node(id: $id) {\n    id\n    ... on Animation {\n      status\n    }\n  }\n}\n\nquery Animations($first: Int, $after: String, $status: AnimationStatus) {\n  animations(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        id\n        status\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription AnimationProgress($id: ID!) {\n  animationProgress(id: $id) {\n    status\n    queuePosition\n    progress\n    newLogs {\n      message\n      level\n      timestamp\n    }\n    animation {\n      id\n      status\n      requestId\n      upstreamError\n      video {\n        url\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n}": typeof types.AnimationFieldsFragmentDoc,
};
const documents: Documents = {
    "fragment AnimationFields on Animation {\n  id\n  requestId\n  status\n  queuePosition\n  progress\n  prompt\n  negativePrompt\n  imageUrl\n  videoUrl\n  resolution\n  seed\n  numInferenceSteps\n  cfgScale\n  upstreamError\n  logs {\n    message\n    level\n    timestamp\n  }\n  video {\n    url\n    contentType\n    fileName\n    fileSize\n    expiresAt\n  }\n  error {\n    code\n    message\n  }\n  createdAt\n  updatedAt\n  completedAt\n}\n\nmutation CreateAnimation($input: CreateAnimationInput!) {\n  createAnimation(input: $input) {\n    ...AnimationFields\n  }\n}\n\nmutation CancelAnimation($id: ID!) {\n  cancelAnimation(id: $id) {\n    ...AnimationFields\n  }\n}\n\nmutation DeleteAnimation($id: ID!) {\n  deleteAnimation(id: $id) {\n    deletedId\n  }\n}\n\nquery Animation($id: ID!) {\n  animation(id: $id) {\n    ...AnimationFields\n    webhookUrl\n    webhookDeliveries {\n      attempt\n      statusCode\n      succeeded\n      error\n      at\n    }\n    statusHistory {\n      status\n      at\n    }\n  }\n}\n\nquery Node($id: ID!) {\n  node(id: $id) {\n    id\n    ... on Animation {\n      status\n    }\n  }\n}\n\nquery Animations($first: Int, $after: String, $status: AnimationStatus) {\n  animations(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        id\n        status\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription AnimationProgress($id: ID!) {\n  animationProgress(id: $id) {\n    status\n    queuePosition\n    progress\n    newLogs {\n      message\n      level\n      timestamp\n    }\n    animation {\n      id\n      status\n      requestId\n      upstreamError\n      video {\n        url\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n}": types.AnimationFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment AnimationFields on Animation {\n  id\n  requestId\n  status\n  queuePosition\n  progress\n  prompt\n  negativePrompt\n  imageUrl\n  videoUrl\n  resolution\n  seed\n  numInferenceSteps\n  cfgScale\n  upstreamError\n  logs {\n    message\n    level\n    timestamp\n  }\n  video {\n    url\n    contentType\n    fileName\n    fileSize\n    expiresAt\n  }\n  error {\n    code\n    message\n  }\n  createdAt\n  updatedAt\n  completedAt\n}\n\nmutation CreateAnimation($input: CreateAnimationInput!) {\n  createAnimation(input: $input) {\n    ...AnimationFields\n  }\n}\n\nmutation CancelAnimation($id: ID!) {\n  cancelAnimation(id: $id) {\n    ...AnimationFields\n  }\n}\n\nmutation DeleteAnimation($id: ID!) {\n  deleteAnimation(id: $id) {\n    deletedId\n  }\n}\n\nquery Animation($id: ID!) {\n  animation(id: $id) {\n    ...AnimationFields\n    webhookUrl\n    webhookDeliveries {\n      attempt\n      statusCode\n      succeeded\n      error\n      at\n    }\n    statusHistory {\n      status\n      at\n    }\n  }\n}\n\nquery Node($id: ID!) {\n  node(id: $id) {\n    id\n    ... on Animation {\n      status\n    }\n  }\n}\n\nquery Animations($first: Int, $after: String, $status: AnimationStatus) {\n  animations(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        id\n        status\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription AnimationProgress($id: ID!) {\n  animationProgress(id: $id) {\n    status\n    queuePosition\n    progress\n    newLogs {\n      message\n      level\n      timestamp\n    }\n    animation {\n      id\n      status\n      requestId\n      upstreamError\n      video {\n        url\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n}"): (typeof documents)["fragment AnimationFields on Animation {\n  id\n  requestId\n  status\n  queuePosition\n  progress\n  prompt\n  negativePrompt\n  imageUrl\n  videoUrl\n  resolution\n  seed\n  numInferenceSteps\n  cfgScale\n  upstreamError\n  logs {\n    message\n    level\n    timestamp\n  }\n  video {\n    url\n    contentType\n    fileName\n    fileSize\n    expiresAt\n  }\n  error {\n    code\n    message\n  }\n  createdAt\n  updatedAt\n  completedAt\n}\n\nmutation CreateAnimation($input: CreateAnimationInput!) {\n  createAnimation(input: $input) {\n    ...AnimationFields\n  }\n}\n\nmutation CancelAnimation($id: ID!) {\n  cancelAnimation(id: $id) {\n    ...AnimationFields\n  }\n}\n\nmutation DeleteAnimation($id: ID!) {\n  deleteAnimation(id: $id) {\n    deletedId\n  }\n}\n\nquery Animation($id: ID!) {\n  animation(id: $id) {\n    ...AnimationFields\n    webhookUrl\n    webhookDeliveries {\n      attempt\n      statusCode\n      succeeded\n      error\n      at\n    }\n    statusHistory {\n      status\n      at\n    }\n  }\n}\n\nquery Node($id: ID!) {\n  node(id: $id) {\n    id\n    ... on Animation {\n      status\n    }\n  }\n}\n\nquery Animations($first: Int, $after: String, $status: AnimationStatus) {\n  animations(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        id\n        status\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription AnimationProgress($id: ID!) {\n  animationProgress(id: $id) {\n    status\n    queuePosition\n    progress\n    newLogs {\n      message\n      level\n      timestamp\n    }\n    animation {\n      id\n      status\n      requestId\n      upstreamError\n      video {\n        url\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;