'use strict';
/**
 * Results and statement lifecycle of the Databricks test server, as a current SQL warehouse serves them to
 * @databricks/sql (driver files: dist/thrift-backend/ThriftSessionBackend.js, ThriftOperationBackend.js,
 * dist/result/RowSetProvider.js, ArrowResultHandler.js, ArrowResultConverter.js):
 *
 * - Arrow results (`canReadArrowResult`, protocol V5+): `resultFormat` ARROW_BASED_SET, `arrowSchema` (the
 *   IPC schema message) and `arrowBatches` (IPC record-batch messages with their row counts), native Arrow
 *   timestamps (microseconds, Etc/UTC), decimals (128-bit) and dates (`useArrowNativeTypes`); complex types
 *   as JSON text. LZ4 frame-compressed when the client says it can decompress (`canDecompressLZ4Result`).
 * - Paging: the first page (at most `getDirectResults.maxRows`, and `setPageRows`) comes with the direct
 *   results; `hasMoreRows` says more follow; FetchResults returns the next page (its `maxRows`). The
 *   operation is closed in the direct results only when everything fitted.
 * - Long statements: a statement not finished when ExecuteStatement answers is RUNNING_STATE in the direct
 *   results (no metadata, no rows); the client polls GetOperationStatus (RUNNING until done), then asks
 *   GetResultSetMetadata and FetchResults. `setRunningPolls(n)` makes every statement answer RUNNING n
 *   times whatever its speed, so tests take that path without depending on timing.
 * - Failures after acceptance are ERROR_STATE with `errorMessage`, `displayMessage` and `sqlState`;
 *   CancelOperation ends a running statement (CANCELED_STATE).
 */
const { Buffer } = require('node:buffer');
const { setTimeout, clearTimeout } = require('node:timers');
const arrow = require('apache-arrow');
const Int64 = require('node-int64');
const T = require('@databricks/sql/thrift/TCLIService_types');

let lz4;
try {
  lz4 = require('lz4-napi');
} catch {
  lz4 = undefined;
}

const ok = () => new T.TStatus({ statusCode: T.TStatusCode.SUCCESS_STATUS });

function primitive(type, qualifiers) {
  return new T.TTypeDesc({
    types: [
      new T.TTypeEntry({
        primitiveEntry: new T.TPrimitiveTypeEntry({ type, typeQualifiers: qualifiers || null }),
      }),
    ],
  });
}

/** Unscaled decimal → the four little-endian 32-bit words of a 128-bit Arrow decimal. */
function decimalWords(unscaled) {
  const words = new Uint32Array(4);
  let v = BigInt.asUintN(128, BigInt(unscaled));
  for (let i = 0; i < 4; i++) {
    words[i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
  return words;
}

/** How one DuckDB column travels: Hive type (Thrift schema), Arrow type, and the value conversion. */
function columnKind(col) {
  const id = col.type.toUpperCase();
  const text = (raw, json) => (typeof json === 'string' ? json : JSON.stringify(json));
  if (/^(BIGINT|HUGEINT|UBIGINT)$/.test(id))
    return { hive: primitive(T.TTypeId.BIGINT_TYPE), type: new arrow.Int64(), value: (v) => BigInt(v) };
  if (/^(INTEGER|UINTEGER|USMALLINT)$/.test(id))
    return { hive: primitive(T.TTypeId.INT_TYPE), type: new arrow.Int32(), value: Number };
  if (/^(SMALLINT|UTINYINT)$/.test(id))
    return { hive: primitive(T.TTypeId.SMALLINT_TYPE), type: new arrow.Int16(), value: Number };
  if (id === 'TINYINT')
    return { hive: primitive(T.TTypeId.TINYINT_TYPE), type: new arrow.Int8(), value: Number };
  if (id === 'DOUBLE')
    return { hive: primitive(T.TTypeId.DOUBLE_TYPE), type: new arrow.Float64(), value: Number };
  if (id === 'FLOAT' || id === 'REAL')
    return { hive: primitive(T.TTypeId.FLOAT_TYPE), type: new arrow.Float32(), value: Number };
  if (id === 'BOOLEAN')
    return { hive: primitive(T.TTypeId.BOOLEAN_TYPE), type: new arrow.Bool(), value: (v) => !!v };
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(id);
  if (dec) {
    const [precision, scale] = [Number(dec[1]), Number(dec[2])];
    return {
      hive: primitive(
        T.TTypeId.DECIMAL_TYPE,
        new T.TTypeQualifiers({
          qualifiers: {
            precision: new T.TTypeQualifierValue({ i32Value: precision }),
            scale: new T.TTypeQualifierValue({ i32Value: scale }),
          },
        }),
      ),
      type: new arrow.Decimal(scale, precision, 128),
      value: (v) => decimalWords(v.value),
    };
  }
  if (id === 'DATE')
    return {
      hive: primitive(T.TTypeId.DATE_TYPE),
      type: new arrow.DateDay(),
      value: (v) => new Date(v.days * 86400000),
    };
  if (id.startsWith('TIMESTAMP'))
    return {
      hive: primitive(T.TTypeId.TIMESTAMP_TYPE),
      type: new arrow.TimestampMicrosecond('Etc/UTC'),
      value: (v) => Number(BigInt(v.micros) / 1000n),
    };
  if (id === 'BLOB')
    return {
      hive: primitive(T.TTypeId.BINARY_TYPE),
      type: new arrow.Binary(),
      value: (v) => Uint8Array.from(v.bytes),
    };
  if (id.endsWith('[]'))
    return { hive: primitive(T.TTypeId.ARRAY_TYPE), type: new arrow.Utf8(), value: text, json: true };
  if (id.startsWith('STRUCT'))
    return { hive: primitive(T.TTypeId.STRUCT_TYPE), type: new arrow.Utf8(), value: text, json: true };
  if (id.startsWith('MAP'))
    return { hive: primitive(T.TTypeId.MAP_TYPE), type: new arrow.Utf8(), value: text, json: true };
  return { hive: primitive(T.TTypeId.STRING_TYPE), type: new arrow.Utf8(), value: text, json: true };
}

/** The IPC stream of one record batch, split into its schema message and its record-batch message. */
function ipcParts(schema, columns, rows) {
  const children = columns.map((c, ci) => {
    const builder = arrow.makeBuilder({ type: c.kind.type, nullValues: [null, undefined] });
    for (const row of rows) {
      const raw = row.raw[ci];
      builder.append(raw === null || raw === undefined ? null : c.kind.value(raw, row.json[ci]));
    }
    return builder.finish().flush();
  });
  const data = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: rows.length,
    nullCount: 0,
    children,
  });
  const bytes = Buffer.from(
    arrow.RecordBatchStreamWriter.writeAll([new arrow.RecordBatch(schema, data)]).toUint8Array(true),
  );
  // [0xFFFFFFFF][int32 length][schema flatbuffer] [record batch message] [0xFFFFFFFF 0x00000000]
  const schemaEnd = 8 + bytes.readInt32LE(4);
  return { schema: bytes.subarray(0, schemaEnd), batch: bytes.subarray(schemaEnd, bytes.length - 8) };
}

/** A finished DuckDB result, ready to be served as Thrift schema + Arrow pages. */
class ArrowResult {
  constructor(result, { lz4Compressed, batchRows }) {
    this.columns = result.columns.map((c) => ({ name: c.name, kind: columnKind(c) }));
    this.rows = result.rows.map((raw, r) => ({ raw, json: result.json[r] }));
    this.lz4Compressed = lz4Compressed && !!lz4;
    this.batchRows = batchRows;
    this.arrowSchema = new arrow.Schema(this.columns.map((c) => new arrow.Field(c.name, c.kind.type, true)));
  }

  metadata() {
    return new T.TGetResultSetMetadataResp({
      status: ok(),
      schema: new T.TTableSchema({
        columns: this.columns.map(
          (c, i) => new T.TColumnDesc({ columnName: c.name, position: i + 1, typeDesc: c.kind.hive }),
        ),
      }),
      resultFormat: T.TSparkRowSetType.ARROW_BASED_SET,
      arrowSchema: ipcParts(this.arrowSchema, this.columns, []).schema,
      lz4Compressed: this.lz4Compressed,
    });
  }

  /** Rows [start, start + count) as a TRowSet of Arrow batches of at most batchRows rows each. */
  rowSet(start, count) {
    const batches = [];
    const end = Math.min(this.rows.length, start + count);
    for (let i = start; i < end; i += this.batchRows) {
      const slice = this.rows.slice(i, Math.min(end, i + this.batchRows));
      let batch = ipcParts(this.arrowSchema, this.columns, slice).batch;
      if (this.lz4Compressed) batch = lz4.compressFrameSync(batch);
      batches.push(new T.TSparkArrowBatch({ batch, rowCount: new Int64(slice.length) }));
    }
    return {
      rowSet: new T.TRowSet({ startRowOffset: new Int64(start), rows: [], arrowBatches: batches }),
      end,
    };
  }
}

async function within(promise, ms) {
  let timer;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise((r) => (timer = setTimeout(() => r(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}

module.exports = { ArrowResult, columnKind, within, primitive, ok };
