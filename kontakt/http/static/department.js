"use strict";
// Department workstation: the work queue (queue.js) and the ticket detail
// (ticket_detail.js) side by side.
async function startDepartment() {
  await departmentsById();
  setText("dep-name", depName(BOOT.user.department));
  await TicketDetail.loadStaff(BOOT.user.department);
  TicketDetail.start(() => Queue.refresh());
  const who = (u) => (u ? TicketDetail.people[u] || u : L.unassigned);
  await Queue.start((t) => [t.number, label("k_", t.kind), t.subject, when(t.created_at),
                            dueCell(t), who(t.assignee), label("s_", t.status)],
                    (number, focus) => TicketDetail.show(number, focus).catch(console.error));
  const soon = debounce(() => {
    Queue.refresh().catch(console.error);
    if (TicketDetail.number) TicketDetail.show(TicketDetail.number).catch(console.error);
  }, 100);
  live(() => soon());
}
startDepartment().catch(console.error);
