/**
 * SageMaker reports a missing resource as ResourceNotFound, or as a validation error whose message
 * says so: ValidationException "Could not find endpoint …" from the SageMaker API, ValidationError
 * "Endpoint … of account … not found." from the runtime. Kept free of Pulumi, so that `npm run ops`
 * and the program's look-ups share it without loading the Pulumi SDK.
 */
export function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === "ResourceNotFound" ||
    error.name === "ResourceNotFoundException" ||
    ((error.name === "ValidationException" || error.name === "ValidationError") &&
      /does not exist|not found|could not find/i.test(error.message))
  );
}
