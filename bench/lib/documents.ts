/** The GraphQL documents the bench sends. */

export const TYPENAME_QUERY = '{ __typename }';
export const HELLO_QUERY = '{ hello }';

export const CREATE_ANIMATION = /* GraphQL */ `
  mutation BenchCreate($input: CreateAnimationInput!) {
    createAnimation(input: $input) {
      id
      status
      requestId
    }
  }
`;

export const ANIMATION_PROGRESS = /* GraphQL */ `
  subscription BenchProgress($id: ID!) {
    animationProgress(id: $id) {
      status
      queuePosition
      progress
      newLogs {
        message
      }
    }
  }
`;

export const ANIMATION_STATUS = /* GraphQL */ `
  query BenchStatus($id: ID!) {
    animation(id: $id) {
      id
      status
      requestId
    }
  }
`;

/** One page of the caller's animations, as a client lists them (R1). */
export const LIST_PAGE_SIZE = 20;
export const LIST_ANIMATIONS = /* GraphQL */ `
  query BenchList {
    animations(first: ${LIST_PAGE_SIZE}) {
      edges {
        cursor
        node {
          id
          status
          prompt
          createdAt
          completedAt
          video {
            url
            contentType
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
/** Occurs once per edge of a LIST_ANIMATIONS answer (`endCursor` does not match it). */
export const EDGE_NEEDLE = '"cursor"';

/** Prompt markers the simulator process matches to pick a job's plan. */
export const FANOUT_MARKER = '[bench-fanout]';
export const U1_MARKER = '[bench-u1]';

export function createInput(prompt: string): Record<string, unknown> {
  return {
    prompt,
    imageUrl: 'https://example.com/bench/character.png',
    videoUrl: 'https://example.com/bench/dance.mp4',
  };
}

/** The JSON body autocannon posts for the createAnimation load (the same body every time). */
export function createAnimationBody(prompt = 'a bench knight dancing'): string {
  return JSON.stringify({ query: CREATE_ANIMATION, variables: { input: createInput(prompt) } });
}
