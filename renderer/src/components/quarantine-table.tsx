/**
 * The quarantined rows of the staged export in a virtualized table (@tanstack/react-virtual):
 * only the rows in view are rendered, and pages are asked for as the operator scrolls, so a
 * quarantine of a million rows scrolls like one of ten.
 */
import { useRef } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import type { QuarantinedRowView } from '@shared/dto/source'

const ROW_HEIGHT = 34

const COLUMNS: ReadonlyArray<Readonly<{ key: string; label: string; width: string }>> = [
  { key: 'file', label: 'File', width: '22%' },
  { key: 'row', label: 'Row', width: '7%' },
  { key: 'reason', label: 'Reason', width: '17%' },
  { key: 'message', label: 'Why', width: '28%' },
  { key: 'raw', label: 'Raw row', width: '26%' },
]

function cell(row: QuarantinedRowView, key: string): string {
  switch (key) {
    case 'file':
      return row.file
    case 'row':
      return row.row === null ? '' : String(row.row)
    case 'reason':
      return row.defect === null ? row.reason : `${row.reason} (${row.defect})`
    case 'message':
      return row.message
    default:
      return row.raw.replace(/\r\n?|\n/g, ' ⏎ ')
  }
}

/** A virtualized list of `total` quarantined rows; `rows` holds those loaded so far, by position. */
export function QuarantineTable({
  total,
  rows,
  onNeedRow,
}: {
  total: number
  rows: Readonly<Record<number, QuarantinedRowView>>
  onNeedRow: (index: number) => void
}) {
  const scroller = useRef<HTMLDivElement | null>(null)
  // eslint-disable-next-line react-hooks/incompatible-library -- its functions are read while rendering only; nothing memoizes them
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Ask for the pages of the rows coming into view: an event of the virtualizer, not an effect.
    onChange: (v) => {
      for (const item of v.getVirtualItems()) if (rows[item.index] === undefined) onNeedRow(item.index)
    },
  })
  const items = virtualizer.getVirtualItems()
  return (
    <div className="vtable" data-testid="quarantine-table" data-total={total}>
      <div className="vtable-head" role="row">
        {COLUMNS.map((c) => (
          <span key={c.key} role="columnheader" style={{ width: c.width }}>
            {c.label}
          </span>
        ))}
      </div>
      <div className="vtable-body" ref={scroller} data-testid="quarantine-scroller">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index]
            return (
              <div
                key={item.key}
                className="vtable-row"
                role="row"
                data-testid="quarantine-row"
                data-index={item.index}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${item.start}px)`,
                }}
              >
                {row === undefined ? (
                  <span className="muted">Loading…</span>
                ) : (
                  COLUMNS.map((c) => (
                    <span key={c.key} style={{ width: c.width }} title={cell(row, c.key)}>
                      {cell(row, c.key)}
                    </span>
                  ))
                )}
              </div>
            )
          })}
        </div>
      </div>
    </div>
  )
}
