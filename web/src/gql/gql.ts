/* eslint-disable */
import * as types from './graphql.js';



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
    "fragment StudioAnimation on Animation {\n  id\n  status\n  prompt\n  requestId\n  queuePosition\n  priority\n  progress\n  inferenceSeconds\n  upstreamError\n  createdAt\n  video {\n    url\n    contentType\n    fileName\n  }\n  error {\n    code\n    message\n  }\n}\n\nmutation CreateAnimation($input: CreateAnimationInput!) {\n  createAnimation(input: $input) {\n    ...StudioAnimation\n  }\n}\n\nmutation CancelAnimation($id: ID!) {\n  cancelAnimation(id: $id) {\n    ...StudioAnimation\n  }\n}\n\nmutation DeleteAnimation($id: ID!) {\n  deleteAnimation(id: $id) {\n    deletedId\n  }\n}\n\nquery History($first: Int, $after: String) {\n  animations(first: $first, after: $after) {\n    edges {\n      node {\n        ...StudioAnimation\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription AnimationProgress($id: ID!) {\n  animationProgress(id: $id) {\n    newLogs {\n      timestamp\n      level\n      message\n    }\n    animation {\n      ...StudioAnimation\n    }\n  }\n}": typeof types.StudioAnimationFragmentDoc,
};
const documents: Documents = {
    "fragment StudioAnimation on Animation {\n  id\n  status\n  prompt\n  requestId\n  queuePosition\n  priority\n  progress\n  inferenceSeconds\n  upstreamError\n  createdAt\n  video {\n    url\n    contentType\n    fileName\n  }\n  error {\n    code\n    message\n  }\n}\n\nmutation CreateAnimation($input: CreateAnimationInput!) {\n  createAnimation(input: $input) {\n    ...StudioAnimation\n  }\n}\n\nmutation CancelAnimation($id: ID!) {\n  cancelAnimation(id: $id) {\n    ...StudioAnimation\n  }\n}\n\nmutation DeleteAnimation($id: ID!) {\n  deleteAnimation(id: $id) {\n    deletedId\n  }\n}\n\nquery History($first: Int, $after: String) {\n  animations(first: $first, after: $after) {\n    edges {\n      node {\n        ...StudioAnimation\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription AnimationProgress($id: ID!) {\n  animationProgress(id: $id) {\n    newLogs {\n      timestamp\n      level\n      message\n    }\n    animation {\n      ...StudioAnimation\n    }\n  }\n}": types.StudioAnimationFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment StudioAnimation on Animation {\n  id\n  status\n  prompt\n  requestId\n  queuePosition\n  priority\n  progress\n  inferenceSeconds\n  upstreamError\n  createdAt\n  video {\n    url\n    contentType\n    fileName\n  }\n  error {\n    code\n    message\n  }\n}\n\nmutation CreateAnimation($input: CreateAnimationInput!) {\n  createAnimation(input: $input) {\n    ...StudioAnimation\n  }\n}\n\nmutation CancelAnimation($id: ID!) {\n  cancelAnimation(id: $id) {\n    ...StudioAnimation\n  }\n}\n\nmutation DeleteAnimation($id: ID!) {\n  deleteAnimation(id: $id) {\n    deletedId\n  }\n}\n\nquery History($first: Int, $after: String) {\n  animations(first: $first, after: $after) {\n    edges {\n      node {\n        ...StudioAnimation\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription AnimationProgress($id: ID!) {\n  animationProgress(id: $id) {\n    newLogs {\n      timestamp\n      level\n      message\n    }\n    animation {\n      ...StudioAnimation\n    }\n  }\n}"): typeof import('./graphql.js').StudioAnimationFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
