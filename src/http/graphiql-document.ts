/** What GraphiQL opens with: create an animation, then watch it (paste its id into the variables). */
export const GRAPHIQL_DEFAULT_DOCUMENT = `# Run CreateAnimation, put its id in Variables
# as {"id": "..."}, then run WatchAnimation.

mutation CreateAnimation {
  createAnimation(
    input: {
      prompt: "a knight in shining armour dancing"
      imageUrl: "https://example.com/knight.png"
      videoUrl: "https://example.com/dance.mp4"
    }
  ) {
    id
    status
    requestId
  }
}

subscription WatchAnimation($id: ID!) {
  animationProgress(id: $id) {
    status
    queuePosition
    progress
    newLogs {
      timestamp
      level
      message
    }
    animation {
      video {
        url
      }
      error {
        code
        message
      }
    }
  }
}
`;
