/**
 * Dataverse's error responses: `{"error":{"code":"0x…","message":"…"}}` with the HTTP status,
 * code and message a real environment sends (WEB-API-NOTES §6; sources cited per function).
 *
 * Where Microsoft documents no code or message, the choice is marked "Unverified" here and in the
 * README, so a reader knows which texts are the sandbox's own.
 */

/** A Dataverse error: HTTP status, hex code (often empty, as documented) and message. */
export class DataverseError extends Error {
  readonly status: number
  readonly code: string
  readonly headers: Readonly<Record<string, string>>

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = 'DataverseError'
    this.status = status
    this.code = code
    this.headers = headers
  }

  /** The JSON body Dataverse sends. */
  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } }
  }
}

const HELP_LINK = 'https://go.microsoft.com/fwlink/?linkid=2195293'

/** [clienterr] "Resource not found for the segment 'Account'." */
export const resourceNotFound = (segment: string): DataverseError =>
  new DataverseError(404, '0x8006088a', `Resource not found for the segment '${segment}'.`)

/** [clienterr] a function called with POST (or an action with GET). */
export const noHttpResource = (uri: string): DataverseError =>
  new DataverseError(404, '', `No HTTP resource was found that matches the request URI '${uri}'.`)

/** [clienterr] an unknown column in `$select`, `$filter` or `$orderby`. */
export const propertyNotFound = (property: string, table: string): DataverseError =>
  new DataverseError(
    400,
    '0x0',
    `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${table}'.`,
  )

/** [clienterr] an unknown column in a request body. */
export const invalidBodyProperty = (property: string, table: string): DataverseError =>
  new DataverseError(
    400,
    '0x0',
    `An error occurred while validating input parameters: Microsoft.Crm.CrmException: Invalid property '${property}' was found in entity 'Microsoft.Dynamics.CRM.${table}'. ---> Microsoft.OData.ODataException: Does not support untyped value in non-open type.`,
  )

/** [clienterr] an `@odata.bind` on a name that is not a navigation property (`parentcustomerid`). */
export const undeclaredBind = (property: string, entitySet: string): DataverseError =>
  new DataverseError(
    400,
    '0x80048d19',
    `Error identified in Payload provided by the user for Entity :'${entitySet}', For more information on this error please follow this help link ${HELP_LINK}  ---->  InnerException : Microsoft.OData.ODataException: An undeclared property '${property}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
  )

/** [clienterr] a `$batch` body whose lines do not end in CRLF. */
export const streamNotReadable = (entitySet: string): DataverseError =>
  new DataverseError(
    400,
    '0x80048d19',
    `Error identified in Payload provided by the user for Entity :'${entitySet}', For more information on this error please follow this help link ${HELP_LINK}  ---->  InnerException : System.ArgumentException: Stream was not readable.`,
  )

/** A malformed payload (not JSON, wrong shape); OData's own wording. */
export const badPayload = (detail: string): DataverseError =>
  new DataverseError(400, '0x80048d19', `Error identified in Payload provided by the user: ${detail}`)

/** A literal of the wrong type (OData: "Cannot convert the literal …"). */
export const cannotConvert = (literal: string, edmType: string): DataverseError =>
  new DataverseError(
    400,
    '0x0',
    `An error occurred while validating input parameters: Microsoft.OData.ODataException: Cannot convert the literal '${literal}' to the expected type '${edmType}'.`,
  )

/** A query the parser does not accept (`$filter` syntax, unsupported option). */
export const badQuery = (message: string): DataverseError => new DataverseError(400, '0x0', message)

/** [errcodes] ObjectDoesNotExist; text as in [cond] ("account With Id = … Does Not Exist"). */
export const recordNotFound = (table: string, id: string): DataverseError =>
  new DataverseError(404, '0x80040217', `${table} With Id = ${id} Does Not Exist`)

/** [altkey-ref] a key segment naming columns that are not a key of the table. */
export const invalidKey = (setName: string): DataverseError =>
  new DataverseError(
    400,
    '0x80060888',
    `The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.${setName}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.${setName}'.`,
  )

/**
 * [errcodes] DuplicateRecordEntityKey, 412. Message as the SDK reports an alternate-key clash
 * ("A record that has the attribute values … already exists. The entity key … requires …").
 */
export const duplicateKey = (attributeNames: string, keyName: string): DataverseError =>
  new DataverseError(
    412,
    '0x80060892',
    `A record that has the attribute values ${attributeNames} already exists. The entity key ${keyName} requires that this set of attributes contains unique values. Select unique values and try again.`,
  )

/** [compose] [errcodes] DuplicateRecord: a create with a primary key that exists. */
export const duplicateRecord = (): DataverseError =>
  new DataverseError(412, '0x80040237', 'Cannot insert duplicate key.')

/** [cond] `If-None-Match: *` upsert when the record exists (the example's code is empty). */
export const matchingRecordExists = (): DataverseError =>
  new DataverseError(412, '', 'A record with matching key values already exists.')

/** [cond] [errcodes] ConcurrencyVersionMismatch. */
export const versionMismatch = (): DataverseError =>
  new DataverseError(
    412,
    '0x80060882',
    "The version of the existing record doesn't match the RowVersion property provided.",
  )

/** [batch] a string longer than the column allows. */
export const tooLong = (column: string, table: string, max: number): DataverseError =>
  new DataverseError(
    400,
    '0x80044331',
    `A validation error occurred.  The length of the '${column}' attribute of the '${table}' entity exceeded the maximum allowed length of '${max}'.`,
  )

/** A choice value that is not one of the column's options (same validation code as [batch]). */
export const outsideValidRange = (
  value: number,
  column: string,
  table: string,
  accepted: ReadonlyArray<number>,
): DataverseError =>
  new DataverseError(
    400,
    '0x80044331',
    `A validation error occurred. The value ${value} of '${column}' on record of type '${table}' is outside the valid range. Accepted Values: ${accepted.join(',')}`,
  )

/** A number outside the column's range. */
export const numberOutOfRange = (column: string, table: string, min: number, max: number): DataverseError =>
  new DataverseError(
    400,
    '0x80044331',
    `A validation error occurred. The value of '${column}' on record of type '${table}' is outside the valid range. Accepted range: ${min} to ${max}.`,
  )

/** [files] unManagedidsattachmentinvalidfilesize (HTTP status Unverified; 400 here). */
export const attachmentTooBig = (): DataverseError =>
  new DataverseError(400, '0x80044a02', 'Attachment file size is too big.')

/** The disabled-user fault (0x80040225), as an owner or as the caller. */
export const disabledUser = (id: string): DataverseError =>
  new DataverseError(
    400,
    '0x80040225',
    `The specified user(Id = ${id}) is disabled. Consider enabling this user. Additional Details: A disabled user cannot own records or act in the system.`,
  )

/**
 * A state or status value the table does not allow, or a state set on create. Code 0x80048408
 * ("State code is invalid or state code is valid but status code is invalid for a specified state
 * code."); the sandbox refuses a non-default statecode on create (README, "Documented choices").
 */
export const invalidState = (detail: string): DataverseError => new DataverseError(400, '0x80048408', detail)

/** Opportunity state changed by update instead of WinOpportunity / LoseOpportunity. */
export const useCloseMessage = (stateName: string, message: string): DataverseError =>
  new DataverseError(
    400,
    '0x80048408',
    `This message can not be used to set the state of opportunity to ${stateName}. In order to set the state of opportunity to ${stateName}, use the ${message} message instead.`,
  )

/** A bulk message on a table that does not support it (message as measured; code Unverified). */
export const messageNotSupported = (message: string, table: string): DataverseError =>
  new DataverseError(
    400,
    '0x80040800',
    `The '${message}' method does not support entities of type '${table}'. MessageProcessorCache returned MessageProcessor.Empty. `,
  )

/** A bad argument to an operation (generic InvalidArgument). */
export const invalidArgument = (message: string): DataverseError =>
  new DataverseError(400, '0x80040203', message)

/** [batch] a Content-ID reference to a part not (yet) in the change set. */
export const contentIdNotFound = (reference: string): DataverseError =>
  new DataverseError(400, '0x0', `Content-ID Reference: '${reference}' does not exist in the batch context.`)

/** [batch] more than 1,000 requests in one `$batch` (message Unverified). */
export const batchTooLarge = (limit: number): DataverseError =>
  new DataverseError(400, '0x80048d19', `The number of requests in the batch exceeds the limit of ${limit}.`)

/** 403 for a missing privilege (impersonation without prvActOnBehalfOfAnotherUser). */
export const missingPrivilege = (userId: string, privilege: string): DataverseError =>
  new DataverseError(
    403,
    '0x80040220',
    `Principal user (Id=${userId}, type=8) is missing ${privilege} privilege.`,
  )

/** 405 for a method the resource does not take. */
export const methodNotAllowed = (method: string): DataverseError =>
  new DataverseError(405, '0x80060888', `The HTTP method '${method}' is not allowed on this resource.`)

/** 413 for a body over the limit. */
export const payloadTooLarge = (limitBytes: number): DataverseError =>
  new DataverseError(413, '0x80048d19', `The request body exceeds the maximum size of ${limitBytes} bytes.`)

/** A 500 the fault injector raises (message modelled on a generic platform error). */
export const injectedServerError = (status: number): DataverseError =>
  new DataverseError(
    status,
    '0x80040216',
    status === 503
      ? 'The service is temporarily unavailable. Please retry the request.'
      : 'An unexpected error occurred.',
  )
