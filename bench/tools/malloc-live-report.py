# malloc-live-report.py N LIBRARY.so: the call stacks of /tmp/mt/out.txt (bench/tools/malloc-live.c) that hold an
# allocation for at least 90 % of N connections, bytes per connection, LIBRARY's frames named from its symbol table
# (tcnative's library is extracted from the netty-tcnative-boringssl-static jar: META-INF/native/*.so).
import sys, subprocess, bisect, re
so=sys.argv[2]
syms=[]
for l in subprocess.run(['nm','-n','-C',so],capture_output=True,text=True).stdout.splitlines():
    p=l.split(None,2)
    if len(p)==3 and p[1] in 'tTwW': syms.append((int(p[0],16),p[2]))
addrs=[a for a,_ in syms]
def name(fr):
    m=re.match(r'(.*)\+([0-9a-f]+)$',fr)
    if not m: return fr
    mod,off=m.group(1),int(m.group(2),16)
    if mod.split('.so')[0].rstrip('0123456789') in so.rsplit('/',1)[-1]:
        i=bisect.bisect_right(addrs,off)-1
        return syms[i][1] if i>=0 else fr
    return mod.split('.so')[0]+'+'+m.group(2)
n=int(sys.argv[1]); tot=0; rows=[]
for l in open('/tmp/mt/out.txt'):
    p=l.split(); c,b=int(p[0]),int(p[1])
    if c < n*0.9: continue
    fr=[name(x) for x in p[3:]]
    rows.append((b/n,c/n,fr)); tot+=b/n
rows.sort(key=lambda r:-r[0])
print('per-conn live bytes (requested sizes): %.0f'%tot)
for b,c,fr in rows: print('%6.0f B %4.1f  %s'%(b,c,' < '.join(f for f in fr[:6])))
