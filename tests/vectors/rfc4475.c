/*
 * RFC 4475 "SIP Torture Test Messages": the messages relevant to a UDP proxy,
 * byte for byte (CRLF line ends, escaped bytes as in the RFC's <hex> blocks),
 * each with the result sw_sip_parse() must give.  Messages the RFC calls
 * valid but odd are SW_SIP_OK; malformed ones carry our named error and the
 * first bytes at which it is reported (err_at, first occurrence, + err_adj).
 * Rows marked "modified" differ from the RFC as their note says.
 * Transcribed from the RFC text; keep Content-Length in step with any edit.
 */

#include <stddef.h>

#include "dataplane/sip_parse.h"
#include "tests/vectors/rfc4475.h"

/* A literal and its length (the messages contain NUL bytes). */
#define MSG(s) s, sizeof(s) - 1
#define AT(s) s, sizeof(s) - 1

const struct sw_rfc4475_vec sw_rfc4475_vecs[] = {
	/* RFC 4475 §3.1.1.1 wsinv: folding, LWS around separators, compact and mixed-case names */
	{ "wsinv", "3.1.1.1",
	  MSG(
		"INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
		"TO :\r\n"
		" sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
		"from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
		"  ;\r\n"
		"  tag = 98asjd8\r\n"
		"MaX-fOrWaRdS: 0068\r\n"
		"Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
		"Content-Length   : 150\r\n"
		"cseq: 0009\r\n"
		"  INVITE\r\n"
		"Via  : SIP  /   2.0\r\n"
		" /UDP\r\n"
		"    192.0.2.2;branch=390skdjuw\r\n"
		"s :\r\n"
		"NewFangledHeader:   newfangled value\r\n"
		" continued newfangled value\r\n"
		"UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
		"Content-Type: application/sdp\r\n"
		"Route:\r\n"
		" <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
		"v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
		"  branch  =   z9hG4bK9ikj8  ,\r\n"
		" SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
		" z9hG4bK30239\r\n"
		"m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
		"      newvalue ;\r\n"
		"  secondparam ; q = 0.33\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.3\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.4\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.2 intmeth: valid per RFC 4475, but sipward rejects any NUL in the header section (quoted-pair NUL in To) */
	{ "intmeth", "3.1.1.2",
	  MSG(
		"!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/craz"
		"y?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n"
		"To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?"
		",/;;*@example.com>\r\n"
		"From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xd1"
		"\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";tag=_token"
		"~1'+`*%!-.\r\n"
		"Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
		"CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
		"Max-Forwards: 255\r\n"
		"extensionHeader-!.%*+_`'~:\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_ELINE, AT("\x00"), 0 },
	/* RFC 4475 §3.1.1.2 intmeth-nonul: modified: the quoted NUL removed; everything else as in the RFC */
	{ "intmeth-nonul", "3.1.1.2",
	  MSG(
		"!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/craz"
		"y?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n"
		"To: \"BEL:\\\x07 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@examp"
		"le.com>\r\n"
		"From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xd1"
		"\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";tag=_token"
		"~1'+`*%!-.\r\n"
		"Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
		"CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
		"Max-Forwards: 255\r\n"
		"extensionHeader-!.%*+_`'~:\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.3 esc01 */
	{ "esc01", "3.1.1.3",
	  MSG(
		"INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
		"To: sip:%75se%72@example.com\r\n"
		"From: <sip:I%20have%20spaces@example.net>;tag=938\r\n"
		"Max-Forwards: 87\r\n"
		"i: esc01.239409asdfakjkn23onasd0-3234\r\n"
		"CSeq: 234234 INVITE\r\n"
		"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\r\n"
		"C: application/sdp\r\n"
		"Contact:\r\n"
		"  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n"
		"Content-Length: 150\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.4 escnull: %00 is text, not a NUL byte */
	{ "escnull", "3.1.1.4",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:null-%00-null@example.com\r\n"
		"From: sip:null-%00-null@example.com;tag=839923423\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\r\n"
		"CSeq: 14398234 REGISTER\r\n"
		"Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
		"Contact: <sip:%00@host5.example.com>\r\n"
		"Contact: <sip:%00%00@host5.example.com>\r\n"
		"L:0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.5 esc02 */
	{ "esc02", "3.1.1.5",
	  MSG(
		"RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n"
		"To: \"%Z%45\" <sip:resource@example.com>\r\n"
		"From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\r\n"
		"Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\r\n"
		"Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234\r\n"
		"CSeq: 29344 RE%47IST%45R\r\n"
		"Max-Forwards: 70\r\n"
		"Contact: <sip:alias1@host1.example.com>\r\n"
		"C%6Fntact: <sip:alias2@host2.example.com>\r\n"
		"Contact: <sip:alias3@host3.example.com>\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.6 lwsdisp */
	{ "lwsdisp", "3.1.1.6",
	  MSG(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: caller<sip:caller@example.com>;tag=323\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: lwsdisp.1234abcd@funky.example.com\r\n"
		"CSeq: 60 OPTIONS\r\n"
		"Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.7 longreq: its 96-byte header name exceeds SW_SIP_NAME_MAX (64) */
	{ "longreq", "3.1.1.7",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: \"I have a user name of extremeextremeextremeextremeextremeextremeextremeextremeextre"
		"meextreme proportion\"<sip:user@example.com:6000;unknownparam1=verylonglonglonglonglonglo"
		"nglonglonglonglonglonglonglonglonglonglonglonglonglonglongvalue;longparamnamenamenamename"
		"namenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamename=shor"
		"tvalue;verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglo"
		"nglonglonglonglonglongParameterNameWithNoValue>\r\n"
		"F: sip:amazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazinglylong"
		"callernameamazinglylongcallername@example.net;tag=129829829829829829829829829829829829829"
		"82982982982982982982982982982982982982982982982982982982982982982982982982982982982982982"
		"982982982982982982982982424;unknownheaderparamnamenamenamenamenamenamenamenamenamenamenam"
		"enamenamenamenamenamenamenamenamename=unknowheaderparamvaluevaluevaluevaluevaluevaluevalu"
		"evaluevaluevaluevaluevaluevaluevaluevalue;unknownValuelessparamnameparamnameparamnamepara"
		"mnameparamnameparamnameparamnameparamnameparamnameparamname\r\n"
		"Call-ID: longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyrea"
		"llyreallyreallyreallyreallyreallyreallyreallyreallylongcallid\r\n"
		"CSeq: 3882340 INVITE\r\n"
		"Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong-"
		"Name: unknown-longlonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglon"
		"glong-value; unknown-longlonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglong"
		"longlonglong-parameter-name = unknown-longlonglonglonglonglonglonglonglonglonglonglonglon"
		"glonglonglonglonglonglonglong-parameter-value\r\n"
		"Via: SIP/2.0/TCP sip33.example.com\r\n"
		"v: SIP/2.0/TCP sip32.example.com\r\n"
		"V: SIP/2.0/TCP sip31.example.com\r\n"
		"Via: SIP/2.0/TCP sip30.example.com\r\n"
		"ViA: SIP/2.0/TCP sip29.example.com\r\n"
		"VIa: SIP/2.0/TCP sip28.example.com\r\n"
		"VIA: SIP/2.0/TCP sip27.example.com\r\n"
		"via: SIP/2.0/TCP sip26.example.com\r\n"
		"viA: SIP/2.0/TCP sip25.example.com\r\n"
		"vIa: SIP/2.0/TCP sip24.example.com\r\n"
		"vIA: SIP/2.0/TCP sip23.example.com\r\n"
		"V :  SIP/2.0/TCP sip22.example.com\r\n"
		"v :  SIP/2.0/TCP sip21.example.com\r\n"
		"V  : SIP/2.0/TCP sip20.example.com\r\n"
		"v  : SIP/2.0/TCP sip19.example.com\r\n"
		"Via : SIP/2.0/TCP sip18.example.com\r\n"
		"Via  : SIP/2.0/TCP sip17.example.com\r\n"
		"Via: SIP/2.0/TCP sip16.example.com\r\n"
		"Via: SIP/2.0/TCP sip15.example.com\r\n"
		"Via: SIP/2.0/TCP sip14.example.com\r\n"
		"Via: SIP/2.0/TCP sip13.example.com\r\n"
		"Via: SIP/2.0/TCP sip12.example.com\r\n"
		"Via: SIP/2.0/TCP sip11.example.com\r\n"
		"Via: SIP/2.0/TCP sip10.example.com\r\n"
		"Via: SIP/2.0/TCP sip9.example.com\r\n"
		"Via: SIP/2.0/TCP sip8.example.com\r\n"
		"Via: SIP/2.0/TCP sip7.example.com\r\n"
		"Via: SIP/2.0/TCP sip6.example.com\r\n"
		"Via: SIP/2.0/TCP sip5.example.com\r\n"
		"Via: SIP/2.0/TCP sip4.example.com\r\n"
		"Via: SIP/2.0/TCP sip3.example.com\r\n"
		"Via: SIP/2.0/TCP sip2.example.com\r\n"
		"Via: SIP/2.0/TCP sip1.example.com\r\n"
		"Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=verylonglonglonglonglonglongl"
		"onglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglo"
		"nglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglongbra"
		"nchvalue\r\n"
		"Max-Forwards: 70\r\n"
		"Contact: <sip:amazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazin"
		"glylongcallernameamazinglylongcallername@host5.example.net>\r\n"
		"Content-Type: application/sdp\r\n"
		"l: 150\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_ENAME, AT("Unknown-LongLong"), 64 },
	/* RFC 4475 §3.1.1.7 longreq-short: modified: header name shortened from 93 to 61 bytes to fit SW_SIP_NAME_MAX; 43 header lines */
	{ "longreq-short", "3.1.1.7",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: \"I have a user name of extremeextremeextremeextremeextremeextremeextremeextremeextre"
		"meextreme proportion\"<sip:user@example.com:6000;unknownparam1=verylonglonglonglonglonglo"
		"nglonglonglonglonglonglonglonglonglonglonglonglonglonglongvalue;longparamnamenamenamename"
		"namenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamename=shor"
		"tvalue;verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglo"
		"nglonglonglonglonglongParameterNameWithNoValue>\r\n"
		"F: sip:amazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazinglylong"
		"callernameamazinglylongcallername@example.net;tag=129829829829829829829829829829829829829"
		"82982982982982982982982982982982982982982982982982982982982982982982982982982982982982982"
		"982982982982982982982982424;unknownheaderparamnamenamenamenamenamenamenamenamenamenamenam"
		"enamenamenamenamenamenamenamenamename=unknowheaderparamvaluevaluevaluevaluevaluevaluevalu"
		"evaluevaluevaluevaluevaluevaluevaluevalue;unknownValuelessparamnameparamnameparamnamepara"
		"mnameparamnameparamnameparamnameparamnameparamnameparamname\r\n"
		"Call-ID: longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyrea"
		"llyreallyreallyreallyreallyreallyreallyreallyreallylongcallid\r\n"
		"CSeq: 3882340 INVITE\r\n"
		"Unknown-LongLongLongLongLongLongLongLongLongLongLongLong-Name: unknown-longlonglonglonglo"
		"nglonglonglonglonglonglonglonglonglonglonglonglonglonglonglong-value; unknown-longlonglon"
		"glonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglong-parameter-name = un"
		"known-longlonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglong-pa"
		"rameter-value\r\n"
		"Via: SIP/2.0/TCP sip33.example.com\r\n"
		"v: SIP/2.0/TCP sip32.example.com\r\n"
		"V: SIP/2.0/TCP sip31.example.com\r\n"
		"Via: SIP/2.0/TCP sip30.example.com\r\n"
		"ViA: SIP/2.0/TCP sip29.example.com\r\n"
		"VIa: SIP/2.0/TCP sip28.example.com\r\n"
		"VIA: SIP/2.0/TCP sip27.example.com\r\n"
		"via: SIP/2.0/TCP sip26.example.com\r\n"
		"viA: SIP/2.0/TCP sip25.example.com\r\n"
		"vIa: SIP/2.0/TCP sip24.example.com\r\n"
		"vIA: SIP/2.0/TCP sip23.example.com\r\n"
		"V :  SIP/2.0/TCP sip22.example.com\r\n"
		"v :  SIP/2.0/TCP sip21.example.com\r\n"
		"V  : SIP/2.0/TCP sip20.example.com\r\n"
		"v  : SIP/2.0/TCP sip19.example.com\r\n"
		"Via : SIP/2.0/TCP sip18.example.com\r\n"
		"Via  : SIP/2.0/TCP sip17.example.com\r\n"
		"Via: SIP/2.0/TCP sip16.example.com\r\n"
		"Via: SIP/2.0/TCP sip15.example.com\r\n"
		"Via: SIP/2.0/TCP sip14.example.com\r\n"
		"Via: SIP/2.0/TCP sip13.example.com\r\n"
		"Via: SIP/2.0/TCP sip12.example.com\r\n"
		"Via: SIP/2.0/TCP sip11.example.com\r\n"
		"Via: SIP/2.0/TCP sip10.example.com\r\n"
		"Via: SIP/2.0/TCP sip9.example.com\r\n"
		"Via: SIP/2.0/TCP sip8.example.com\r\n"
		"Via: SIP/2.0/TCP sip7.example.com\r\n"
		"Via: SIP/2.0/TCP sip6.example.com\r\n"
		"Via: SIP/2.0/TCP sip5.example.com\r\n"
		"Via: SIP/2.0/TCP sip4.example.com\r\n"
		"Via: SIP/2.0/TCP sip3.example.com\r\n"
		"Via: SIP/2.0/TCP sip2.example.com\r\n"
		"Via: SIP/2.0/TCP sip1.example.com\r\n"
		"Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=verylonglonglonglonglonglongl"
		"onglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglo"
		"nglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglongbra"
		"nchvalue\r\n"
		"Max-Forwards: 70\r\n"
		"Contact: <sip:amazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazin"
		"glylongcallernameamazinglylongcallername@host5.example.net>\r\n"
		"Content-Type: application/sdp\r\n"
		"l: 150\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.8 dblreq: bytes after Content-Length are ignored (RFC 3261 18.3) */
	{ "dblreq", "3.1.1.8",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:j.user@example.com;tag=43251j3j324\r\n"
		"Max-Forwards: 8\r\n"
		"I: dblreq.0ha0isndaksdj99sdfafnl3lk233412\r\n"
		"Contact: sip:j.user@host.example.com\r\n"
		"CSeq: 8 REGISTER\r\n"
		"Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492\r\n"
		"Content-Length: 0\r\n"
		"\r\n"
		"INVITE sip:joe@example.com SIP/2.0\r\n"
		"t: sip:joe@example.com\r\n"
		"From: sip:caller@example.net;tag=141334\r\n"
		"Max-Forwards: 8\r\n"
		"Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 150\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.15\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.15\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m =video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.9 semiuri */
	{ "semiuri", "3.1.1.9",
	  MSG(
		"OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n"
		"To: sip:j_user@example.com\r\n"
		"From: sip:caller@example.org;tag=33242\r\n"
		"Max-Forwards: 3\r\n"
		"Call-ID: semiuri.0ha0isndaksdj\r\n"
		"CSeq: 8 OPTIONS\r\n"
		"Accept: application/sdp, application/pkcs7-mime,\r\n"
		"        multipart/mixed, multipart/signed,\r\n"
		"        message/sip, message/sipfrag\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.10 transports */
	{ "transports", "3.1.1.10",
	  MSG(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: <sip:caller@example.com>;tag=323\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID:  transports.kijh4akdnaqjkwendsasfdj\r\n"
		"Accept: application/sdp\r\n"
		"CSeq: 60 OPTIONS\r\n"
		"Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\r\n"
		"Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n"
		"Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\r\n"
		"Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n"
		"Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.11 mpart01: modified: the DER part is synthetic binary (NUL, bare CR/LF); body is opaque */
	{ "mpart01", "3.1.1.11",
	  MSG(
		"MESSAGE sip:kumiko@example.org SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport\r\n"
		"Max-Forwards: 70\r\n"
		"Route: <sip:127.0.0.1:5080>\r\n"
		"Identity: r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8UeXqkMVbnVq37CuLOc"
		"=\r\n"
		"Identity-Info: <sip:127.0.0.1:5080/cert>;alg=rsa-sha1\r\n"
		"To: <sip:kumiko@example.org>\r\n"
		"From: <sip:fluffy@example.com>;tag=2fb0dcc9\r\n"
		"Call-ID: 3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..\r\n"
		"CSeq: 1 MESSAGE\r\n"
		"Accept: text/plain, application/sdp, multipart/mixed, message/sipfrag\r\n"
		"Content-Type: multipart/mixed;boundary=7a9cbec02ceef655\r\n"
		"Date: Sat, 15 Oct 2005 04:44:56 GMT\r\n"
		"User-Agent: SIPimp.org/0.2.5 (curses)\r\n"
		"Content-Length: 511\r\n"
		"\r\n"
		"--7a9cbec02ceef655\r\n"
		"Content-Type: text/plain\r\n"
		"Content-Transfer-Encoding: binary\r\n"
		"\r\n"
		"Hello\r\n"
		"--7a9cbec02ceef655\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Transfer-Encoding: binary\r\n"
		"\r\n"
		"0\x82\x01R\x06\x09*\x86H\x86\xf7\x0d\x01\x07\x02\xa0\n"
		"\x00\r\n"
		"\x0d\x8b\x18p\xec\x85\xe4\x05\xc7\xe7\x89\xef\xa2\xfb\xe1ot@g\x82G\xc7\xf7\xb0q\xce\xa2\xf1"
		"\x1e\xf3\xbf!/\xee" "A\x8a'\xa6\xa2\x1a\xa5\xb4h\x16'\xf9\xe6\xee\n"
		"b\xbf\x14\xa0\xaf\xc6\x04t\xdd\xdc~ -\xa8" "6\x8b<\xdc\x1a\xed\xda\x15\xd6]\x1e=\xa9\x9a\xc5"
		"\xd2\xf3\xed\x06\xf5\x89\xce\x85\x93\x05" "11\x84 \xd9\xfe\xa5\xffk\xee\xb8K\xa6\xce\xec\xb2"
		"\xf7" "B\xe2" "e\xd3\x0bpxG\x8f\xb0\xa1\xb8\x1d.$*\xbc" "c\xd9u&a\x98\xb9\xd4" "deuTj\xc9"
		"W*?\xee_$\x15\x14\x0f\x16+p/\xd3h\x01\x10\xe5\xe5q\x15\x10vt\\\xc3\xce\xc9$\xe3\x89\xbd\x02"
		"7+\xf0\x00\x09\xbfw\xe1\xf8\xb5\xad$\xef\x96\x99}$d\xd8:\xda\xb1\x8a\xd9\x1f\xa4G\x8f\x84"
		"\x19p^\xa6\xc1\xda\x00<\xe2\xcb\xc3S+\xc2\x97\xc4Z\xfc\x93#\x7f\x13@w\n"
		"[\xc6x\xeb\x04/\x8c\xba>\xca\xbbM1\xf7\xf3" "F-\x9a\xed(\xf2" "ej\x1e\x82\x90\x12\x0f\x0f"
		"Cl\xc7\xe6\xa9" "CQ\xb5\xe0^4\x18\x00mDn\xd3\xf3\x95\xd8Tt\xe0\x18\xe4\xebX\xf7\r\n"
		"--7a9cbec02ceef655--\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.12 unreason */
	{ "unreason", "3.1.1.12",
	  MSG(
		"SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2"
		"\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82"
		"\xd1\x8c - \xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5\r\n"
		"Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n"
		"Call-ID: unreason.1234ksdfak3j2erwedfsASdf\r\n"
		"CSeq: 35 INVITE\r\n"
		"From: sip:user@example.com;tag=11141343\r\n"
		"To: sip:user@example.edu;tag=2229\r\n"
		"Content-Length: 154\r\n"
		"Content-Type: application/sdp\r\n"
		"Contact: <sip:user@host198.example.com>\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.198\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.198\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.1.13 noreason */
	{ "noreason", "3.1.1.13",
	  MSG(
		"SIP/2.0 100 \r\n"
		"Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
		"Call-ID: noreason.asndj203insdf99223ndf\r\n"
		"CSeq: 35 INVITE\r\n"
		"From: <sip:user@example.com>;tag=39ansfi3\r\n"
		"To: <sip:user@example.edu>;tag=902jndnke3\r\n"
		"Content-Length: 0\r\n"
		"Contact: <sip:user@host105.example.com>\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.2.1 badinv01 */
	{ "badinv01", "3.1.2.1",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=134161461246\r\n"
		"Max-Forwards: 7\r\n"
		"Call-ID: badinv01.0ha0isndaksdjasdf3234nas\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"
		"Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n"
		"Content-Length: 152\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.15\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.15\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_EVIA, AT("SIP/2.0/UDP 192.0.2.15;;"), 0 },
	/* RFC 4475 §3.1.2.2 clerr */
	{ "clerr", "3.1.2.2",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"Max-Forwards: 80\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=93942939o2\r\n"
		"Contact: <sip:caller@hungry.example.net>\r\n"
		"Call-ID: clerr.0ha0isndaksdjweiafasdk3\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 9999\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.155\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.155\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_ECLEN, AT("9999"), 0 },
	/* RFC 4475 §3.1.2.3 ncl */
	{ "ncl", "3.1.2.3",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"Max-Forwards: 254\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=32394234\r\n"
		"Call-ID: ncl.0ha0isndaksdj2193423r542w35\r\n"
		"CSeq: 0 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw\r\n"
		"Contact: <sip:caller@example53.example.net>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: -999\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.53\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.53\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_ECLEN, AT("-999"), 0 },
	/* RFC 4475 §3.1.2.4 scalar02: first overlarge scalar in header order is CSeq */
	{ "scalar02", "3.1.2.4",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\r\n"
		"To: <sip:user@example.com>\r\n"
		"From: <sip:user@example.com>;tag=239232jh3\r\n"
		"CSeq: 36893488147419103232 REGISTER\r\n"
		"Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\r\n"
		"Max-Forwards: 300\r\n"
		"Expires: 10000000000000000000000000000000000000000000000000000000000000000000000000000000"
		"000000000000000000000\r\n"
		"Contact: <sip:user@host129.example.com>\r\n"
		"  ;expires=280297596632815\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_ECSEQ, AT("36893488147419103232"), 0 },
	/* RFC 4475 §3.1.2.5 scalarlg */
	{ "scalarlg", "3.1.2.5",
	  MSG(
		"SIP/2.0 503 Service Unavailable\r\n"
		"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129\r\n"
		"To: <sip:user@example.com>\r\n"
		"From: <sip:other@example.net>;tag=2easdjfejw\r\n"
		"CSeq: 9292394834772304023312 OPTIONS\r\n"
		"Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r\r\n"
		"Retry-After: 949302838503028349304023988\r\n"
		"Warning: 1812 overture \"In Progress\"\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_ECSEQ, AT("9292394834772304023312"), 0 },
	/* RFC 4475 §3.1.2.6 quotbal */
	{ "quotbal", "3.1.2.6",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: \"Mr. J. User <sip:j.user@example.com>\r\n"
		"From: sip:caller@example.net;tag=93334\r\n"
		"Max-Forwards: 10\r\n"
		"Call-ID: quotbal.aksdj\r\n"
		"Contact: <sip:caller@host59.example.net>\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 152\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.15\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.15\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_EADDR, AT("\"Mr. J. User"), 0 },
	/* RFC 4475 §3.1.2.7 ltgtruri */
	{ "ltgtruri", "3.1.2.7",
	  MSG(
		"INVITE <sip:user@example.com> SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=39291\r\n"
		"Max-Forwards: 23\r\n"
		"Call-ID: ltgtruri.1@192.0.2.5\r\n"
		"CSeq: 1 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.5\r\n"
		"Contact: <sip:caller@host5.example.net>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 159\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.5\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.5\r\n"
		"t=3149328700 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_EREQLINE, AT("<sip:user@example.com> SIP"), 0 },
	/* RFC 4475 §3.1.2.8 lwsruri */
	{ "lwsruri", "3.1.2.8",
	  MSG(
		"INVITE sip:user@example.com; lr SIP/2.0\r\n"
		"To: sip:user@example.com;tag=3xfe-9921883-z9f\r\n"
		"From: sip:caller@example.net;tag=231413434\r\n"
		"Max-Forwards: 5\r\n"
		"Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423\r\n"
		"CSeq: 2130706432 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395\r\n"
		"Contact: <sip:caller@host1.example.net>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 159\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=3149328700 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_EREQLINE, AT("lr SIP/2.0"), 0 },
	/* RFC 4475 §3.1.2.9 lwsstart: empty Request-URI between the two SPs */
	{ "lwsstart", "3.1.2.9",
	  MSG(
		"INVITE  sip:user@example.com  SIP/2.0\r\n"
		"Max-Forwards: 8\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=8814\r\n"
		"Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com\r\n"
		"CSeq: 1893884 INVITE\r\n"
		"Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923\r\n"
		"Contact: <sip:caller@host1.example.net>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 150\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_EREQLINE, AT(" sip:user"), 0 },
	/* RFC 4475 §3.1.2.10 trws */
	{ "trws", "3.1.2.10",
	  MSG(
		"OPTIONS sip:remote-target@example.com SIP/2.0  \r\n"
		"Via: SIP/2.0/TCP host1.examle.com;branch=z9hG4bK299342093\r\n"
		"To: <sip:remote-target@example.com>\r\n"
		"From: <sip:local-resource@example.com>;tag=329429089\r\n"
		"Call-ID: trws.oicu34958239neffasdhr2345r\r\n"
		"Accept: application/sdp\r\n"
		"CSeq: 238923 OPTIONS\r\n"
		"Max-Forwards: 70\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_EREQLINE, AT("  \r\n"), 0 },
	/* RFC 4475 §3.1.2.11 escruri */
	{ "escruri", "3.1.2.11",
	  MSG(
		"INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=341518\r\n"
		"Max-Forwards: 7\r\n"
		"Contact: <sip:caller@host39923.example.net>\r\n"
		"Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5\r\n"
		"CSeq: 149209342 INVITE\r\n"
		"Via: SIP/2.0/UDP host-of-the-hour.example.com;branch=z9hG4bKkdjuw\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 150\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_EREQLINE, AT("?Route"), 0 },
	/* RFC 4475 §3.1.2.12 baddate: Date is not interpreted by the engine; forwarded untouched */
	{ "baddate", "3.1.2.12",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=2234923\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234\r\n"
		"CSeq: 1392934 INVITE\r\n"
		"Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\r\n"
		"Date: Fri, 01 Jan 2010 16:00:00 EST\r\n"
		"Contact: <sip:caller@host5.example.net>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 150\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.5\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.5\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.2.13 regbadct: Contact is not interpreted by the engine; the registrar rejects it */
	{ "regbadct", "3.1.2.13",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:user@example.com;tag=998332\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: regbadct.k345asrl3fdbv@10.0.0.1\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Via: SIP/2.0/UDP 135.180.130.133:5060;branch=z9hG4bKkdjuw\r\n"
		"Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.1.2.14 badaspec */
	{ "badaspec", "3.1.2.14",
	  MSG(
		"OPTIONS sip:user@example.org SIP/2.0\r\n"
		"Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=433423\r\n"
		"To: \"Watson, Thomas\" < sip:t.watson@example.org >\r\n"
		"Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3\r\n"
		"Accept: application/sdp\r\n"
		"CSeq: 3923239 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_EADDR, AT("\"Watson"), 0 },
	/* RFC 4475 §3.1.2.15 baddn */
	{ "baddn", "3.1.2.15",
	  MSG(
		"OPTIONS sip:t.watson@example.org SIP/2.0\r\n"
		"Via:     SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards:      70\r\n"
		"From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43\r\n"
		"To:      Watson, Thomas <sip:t.watson@example.org>\r\n"
		"Call-ID: baddn.31415@c.example.com\r\n"
		"Accept: application/sdp\r\n"
		"CSeq:    3923239 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_EADDR, AT("Bell,"), 0 },
	/* RFC 4475 §3.1.2.16 badvers */
	{ "badvers", "3.1.2.16",
	  MSG(
		"OPTIONS sip:t.watson@example.org SIP/7.0\r\n"
		"Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards:     70\r\n"
		"From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\n"
		"To:      T. Watson <sip:t.watson@example.org>\r\n"
		"Call-ID: badvers.31417@c.example.com\r\n"
		"CSeq:    1 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_EVERSION, AT("SIP/7.0"), 0 },
	/* RFC 4475 §3.1.2.17 mismatch01 */
	{ "mismatch01", "3.1.2.17",
	  MSG(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=34525\r\n"
		"Max-Forwards: 6\r\n"
		"Call-ID: mismatch01.dj0234sxdfl3\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_ECSEQ_METHOD, AT("INVITE"), 0 },
	/* RFC 4475 §3.1.2.18 mismatch02 */
	{ "mismatch02", "3.1.2.18",
	  MSG(
		"NEWMETHOD sip:user@example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=34525\r\n"
		"Max-Forwards: 6\r\n"
		"Call-ID: mismatch02.dj0234sxdfl3\r\n"
		"CSeq: 8 INVITE\r\n"
		"Contact: <sip:caller@host.example.net>\r\n"
		"Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKkdjuw\r\n"
		"Content-Type: application/sdp\r\n"
		"l: 138\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_ECSEQ_METHOD, AT("INVITE"), 0 },
	/* RFC 4475 §3.1.2.19 bigcode */
	{ "bigcode", "3.1.2.19",
	  MSG(
		"SIP/2.0 4294967301 better not break the receiver\r\n"
		"Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
		"Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\r\n"
		"CSeq: 353494 INVITE\r\n"
		"From: <sip:user@example.com>;tag=39ansfi3\r\n"
		"To: <sip:user@example.edu>;tag=902jndnke3\r\n"
		"Content-Length: 0\r\n"
		"Contact: <sip:user@host105.example.com>\r\n"
		"\r\n"),
	  SW_SIP_ESTATUSLINE, AT("4967301"), 0 },
	/* RFC 4475 §3.2.1 badbranch: a bare magic cookie is syntactically a branch */
	{ "badbranch", "3.2.1",
	  MSG(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.org;tag=33242\r\n"
		"Max-Forwards: 3\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\r\n"
		"Accept: application/sdp\r\n"
		"Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n\r\n"
		"CSeq: 8 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.1 insuf */
	{ "insuf", "3.3.1",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"CSeq: 193942 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
		"Content-Type: application/sdp\r\n"
		"l: 152\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.95\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.95\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_EMISSING, AT("\r\n"
	"\r\n"), 2 },
	/* RFC 4475 §3.3.2 unkscm */
	{ "unkscm", "3.3.2",
	  MSG(
		"OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=384\r\n"
		"Max-Forwards: 3\r\n"
		"Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34\r\n"
		"CSeq: 3923423 OPTIONS\r\n"
		"Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.3 novelsc */
	{ "novelsc", "3.3.3",
	  MSG(
		"OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=384\r\n"
		"Max-Forwards: 3\r\n"
		"Call-ID: novelsc.asdfasser0q239nwsdfasdkl34\r\n"
		"CSeq: 3923423 OPTIONS\r\n"
		"Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.4 unksm2 */
	{ "unksm2", "3.3.4",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: isbn:2983792873\r\n"
		"From: <http://www.example.com>;tag=3234233\r\n"
		"Call-ID: unksm2.daksdj@hyphenated-host.example.com\r\n"
		"CSeq: 234902 REGISTER\r\n"
		"Max-Forwards: 70\r\n"
		"Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw\r\n"
		"Contact: <name:John_Smith>\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.5 bext01: Proxy-Require is policy (420), not syntax */
	{ "bext01", "3.3.5",
	  MSG(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:j_user@example.com\r\n"
		"From: sip:caller@example.net;tag=242etr\r\n"
		"Max-Forwards: 6\r\n"
		"Call-ID: bext01.0ha0isndaksdj\r\n"
		"Require: nothingSupportsThis, nothingSupportsThisEither\r\n"
		"Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n"
		"CSeq: 8 OPTIONS\r\n"
		"Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKkdjuw\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.6 invut */
	{ "invut", "3.3.6",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"Contact: <sip:caller@host5.example.net>\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=8392034\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: invut.0ha0isndaksdjadsfij34n23d\r\n"
		"CSeq: 235448 INVITE\r\n"
		"Via: SIP/2.0/UDP somehost.example.com;branch=z9hG4bKkdjuw\r\n"
		"Content-Type: application/unknownformat\r\n"
		"Content-Length: 40\r\n"
		"\r\n"
		"<audio>\r\n"
		" <pcmu port=\"443\"/>\r\n"
		"</audio>\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.7 regaut01 */
	{ "regaut01", "3.3.7",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:j.user@example.com;tag=87321hj23128\r\n"
		"Max-Forwards: 8\r\n"
		"Call-ID: regaut01.0ha0isndaksdj\r\n"
		"CSeq: 9338 REGISTER\r\n"
		"Via: SIP/2.0/TCP 192.0.2.253;branch=z9hG4bKkdjuw\r\n"
		"Authorization: NoOneKnowsThisScheme opaque-data=here\r\n"
		"Content-Length:0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.8 multi01 */
	{ "multi01", "3.3.8",
	  MSG(
		"INVITE sip:user@company.com SIP/2.0\r\n"
		"Contact: <sip:caller@host25.example.net>\r\n"
		"Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards: 70\r\n"
		"CSeq: 5 INVITE\r\n"
		"Call-ID: multi01.98asdh@192.0.2.1\r\n"
		"CSeq: 59 INVITE\r\n"
		"Call-ID: multi01.98asdh@192.0.2.2\r\n"
		"From: sip:caller@example.com;tag=3413415\r\n"
		"To: sip:user@example.com\r\n"
		"To: sip:other@example.net\r\n"
		"From: sip:caller@example.net;tag=2923420123\r\n"
		"Content-Type: application/sdp\r\n"
		"l: 154\r\n"
		"Contact: <sip:caller@host36.example.net>\r\n"
		"Max-Forwards: 5\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.25\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.25\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_EDUP, AT("CSeq: 59"), 0 },
	/* RFC 4475 §3.3.9 mcl01 */
	{ "mcl01", "3.3.9",
	  MSG(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:other@example.net;tag=3923942\r\n"
		"Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf\r\n"
		"CSeq: 15932 OPTIONS\r\n"
		"Content-Length: 13\r\n"
		"Max-Forwards: 60\r\n"
		"Content-Length: 5\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"There's no way to know how many octets are supposed to be here.\r\n"),
	  SW_SIP_EDUP, AT("Content-Length: 5"), 0 },
	/* RFC 4475 §3.3.10 bcast: the broadcast Via is a routing decision, not syntax */
	{ "bcast", "3.3.10",
	  MSG(
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n"
		"Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23\r\n"
		"Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf\r\n"
		"CSeq: 35 INVITE\r\n"
		"From: sip:user@example.com;tag=11141343\r\n"
		"To: sip:user@example.edu;tag=2229\r\n"
		"Content-Length: 154\r\n"
		"Content-Type: application/sdp\r\n"
		"Contact: <sip:user@host28.example.com>\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.198\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.198\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.11 zeromf: parses; the engine answers 483 */
	{ "zeromf", "3.3.11",
	  MSG(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=3ghsd41\r\n"
		"Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas\r\n"
		"CSeq: 39234321 OPTIONS\r\n"
		"Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i\r\n"
		"Max-Forwards: 0\r\n"
		"Content-Length: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.12 cparam01 */
	{ "cparam01", "3.3.12",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards: 70\r\n"
		"From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe\r\n"
		"To: sip:watson@example.com\r\n"
		"Call-ID: cparam01.70710@saturn.example.com\r\n"
		"CSeq: 2 REGISTER\r\n"
		"Contact: sip:+19725552222@gw1.example.net;unknownparam\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.13 cparam02 */
	{ "cparam02", "3.3.13",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards: 70\r\n"
		"From: sip:watson@example.com;tag=838293\r\n"
		"To: sip:watson@example.com\r\n"
		"Call-ID: cparam02.70710@saturn.example.com\r\n"
		"CSeq: 3 REGISTER\r\n"
		"Contact: <sip:+19725552222@gw1.example.net;unknownparam>\r\n"
		"l: 0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.14 regescrt */
	{ "regescrt", "3.3.14",
	  MSG(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:user@example.com;tag=8\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: regescrt.k345asrl3fdbv@192.0.2.1\r\n"
		"CSeq: 14398234 REGISTER\r\n"
		"Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
		"M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>\r\n"
		"L:0\r\n"
		"\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.3.15 sdp01 */
	{ "sdp01", "3.3.15",
	  MSG(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: sip:j_user@example.com\r\n"
		"Contact: <sip:caller@host15.example.net>\r\n"
		"From: sip:caller@example.net;tag=234\r\n"
		"Max-Forwards: 5\r\n"
		"Call-ID: sdp01.ndaksdj9342dasdd\r\n"
		"Accept: text/nobodyKnowsThis\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw\r\n"
		"Content-Length: 150\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.5\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.5\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
	/* RFC 4475 §3.4.1 inv2543: no Content-Length over UDP: the body runs to the end of the datagram */
	{ "inv2543", "3.4.1",
	  MSG(
		"INVITE sip:UserB@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP iftgw.example.com\r\n"
		"From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"
		"Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n"
		"To: sip:+16505552222@ss1.example.net;user=phone\r\n"
		"Call-ID: inv2543.1717@ift.client.example.com\r\n"
		"CSeq: 56 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.5\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.5\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0\r\n"),
	  SW_SIP_OK, NULL, 0, 0 },
};

const size_t sw_rfc4475_n = sizeof(sw_rfc4475_vecs) / sizeof(sw_rfc4475_vecs[0]);
